import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { PriceChangeView, PriceView } from './dtos/price.responses';
import { SellerOfRecordDto } from '../payouts/dtos/payouts.dto';
import { SetPriceDto } from './dtos/set-price.dto';
import { PricingService } from './pricing.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/bundles/:id')
export class AdminPricesController {
  constructor(private readonly pricing: PricingService) {}

  @Put('price')
  @ApiOperation({ summary: "Set a bundle's price (audited, kept in the price history)" })
  @ApiResponse({ status: 200, type: PriceView })
  @ApiResponse({
    status: 400,
    description:
      "Malformed price: negative, fractional, unsupported currency, below Stripe's minimum charge, minimum above amount",
  })
  @ApiResponse({ status: 403, description: 'Not an admin' })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  setPrice(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: SetPriceDto,
  ): Promise<PriceView> {
    return this.pricing.setPrice(admin.id, id, dto);
  }

  @Delete('price')
  @ApiOperation({ summary: 'Take a bundle off sale (audited); existing licenses are unaffected' })
  @ApiResponse({ status: 200, type: PriceView })
  takeOffSale(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PriceView> {
    return this.pricing.takeOffSale(admin.id, id);
  }

  @Put('seller-of-record')
  @ApiOperation({
    summary:
      'Make the platform the seller of record of a bundle (sold without a creator payout account, no transfer) or undo it (audited)',
  })
  @ApiResponse({ status: 200, type: PriceView })
  @ApiResponse({ status: 400, description: 'platform is not a boolean' })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  sellerOfRecord(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: SellerOfRecordDto,
  ): Promise<PriceView> {
    return this.pricing.setSellerOfRecord(admin.id, id, dto.platform);
  }

  @Get('prices')
  @ApiOperation({ summary: 'Price history of a bundle, newest first: who changed it, when, old → new' })
  @ApiResponse({ status: 200, type: [PriceChangeView] })
  history(@Param('id', new ParseUUIDPipe()) id: string): Promise<PriceChangeView[]> {
    return this.pricing.history(id);
  }
}
