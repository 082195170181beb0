import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Owns, Roles } from '../auth/auth.decorators';
import { DiscountCodesService } from './discount-codes.service';
import { CreateDiscountCodeDto, ListDiscountCodesQuery } from './dtos/discount-code.dto';
import { DiscountCodeView } from './dtos/discount-code.responses';

@ApiTags('codes')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('discount-codes')
export class DiscountCodesController {
  constructor(private readonly codes: DiscountCodesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Make a discount code for one of your bundles or all of them (admins: any creator's): percent or amount off, max uses, validity window",
  })
  @ApiResponse({ status: 201, type: DiscountCodeView })
  @ApiResponse({ status: 400, description: 'Malformed code, amount, percentage, currency or window' })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle (or creator)' })
  @ApiResponse({ status: 409, description: 'The creator has a code with this name already' })
  create(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateDiscountCodeDto): Promise<DiscountCodeView> {
    return this.codes.create(user, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Your discount codes with their uses, newest first (admins: all, or ?creatorId=)' })
  @ApiResponse({ status: 200, type: [DiscountCodeView] })
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListDiscountCodesQuery): Promise<DiscountCodeView[]> {
    return this.codes.list(user, q.creatorId);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Owns('discountCode')
  @ApiOperation({ summary: 'Disable a discount code: new checkouts refuse it; open ones keep their discount' })
  @ApiResponse({ status: 200, type: DiscountCodeView })
  @ApiResponse({ status: 403, description: "Another creator's code" })
  @ApiResponse({ status: 404, description: 'No such code' })
  disable(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<DiscountCodeView> {
    return this.codes.disable(user, id);
  }
}
