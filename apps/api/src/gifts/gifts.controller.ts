import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { GiftCheckoutDto } from '../checkout/dtos/checkout.dto';
import { GiftCheckoutView } from '../checkout/dtos/order.responses';
import { GiftView } from './dtos/gift.responses';
import { GiftsService } from './gifts.service';

@ApiTags('gifts')
@ApiBearerAuth()
@Roles('BUYER')
@Controller()
export class GiftsController {
  constructor(private readonly gifts: GiftsService) {}

  @Post('bundles/:id/gifts')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Buy a bundle for someone else: a Stripe Checkout like your own purchase; once paid, the recipient is e-mailed a claim link',
  })
  @ApiResponse({ status: 201, type: GiftCheckoutView })
  @ApiResponse({
    status: 400,
    description:
      'recipientEmail is not an e-mail address, message too long, or the amount or discount code does not apply',
  })
  @ApiResponse({ status: 404, description: 'No published bundle with this id' })
  @ApiResponse({ status: 409, description: 'Not for sale, or the discount code is used up' })
  @ApiResponse({ status: 502, description: 'Stripe refused or could not be reached' })
  buy(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: GiftCheckoutDto,
  ): Promise<GiftCheckoutView> {
    return this.gifts.buy(user, id, dto);
  }

  @Get('gifts')
  @ApiOperation({ summary: 'The gifts you bought, newest first, and whether they were claimed' })
  @ApiResponse({ status: 200, type: [GiftView] })
  list(@CurrentUser() user: AuthenticatedUser): Promise<GiftView[]> {
    return this.gifts.boughtBy(user.id);
  }
}
