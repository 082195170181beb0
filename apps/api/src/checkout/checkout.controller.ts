import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Owns, Roles } from '../auth/auth.decorators';
import { CheckoutService } from './checkout.service';
import { CheckoutDto } from './dtos/checkout.dto';
import { CheckoutView, OrderView } from './dtos/order.responses';

@ApiTags('checkout')
@ApiBearerAuth()
@Controller()
export class CheckoutController {
  constructor(private readonly checkout: CheckoutService) {}

  @Post('bundles/:id/checkout')
  @Roles('BUYER')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Buy a bundle: creates a PENDING order and a Stripe Checkout Session; send the buyer to checkoutUrl',
  })
  @ApiResponse({ status: 201, type: CheckoutView })
  @ApiResponse({
    status: 400,
    description:
      "Pay-what-you-want amount below the minimum, an amount for a fixed-price bundle, or a discount code that does not apply (unknown, disabled, outside its window, another currency, or below Stripe's minimum charge)",
  })
  @ApiResponse({ status: 404, description: 'No published bundle with this id' })
  @ApiResponse({
    status: 409,
    description: 'Not for sale (no price), you already hold an ACTIVE license for it, or the discount code is used up',
  })
  @ApiResponse({ status: 502, description: 'Stripe refused or could not be reached' })
  start(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CheckoutDto,
  ): Promise<CheckoutView> {
    return this.checkout.checkout(user, id, { amount: dto.amount, code: dto.code });
  }

  @Get('orders')
  @ApiOperation({ summary: 'Your orders, newest first' })
  @ApiResponse({ status: 200, type: [OrderView] })
  list(@CurrentUser() user: AuthenticatedUser): Promise<OrderView[]> {
    return this.checkout.ordersOf(user.id);
  }

  @Get('orders/:id')
  @Owns('order', 'id')
  @ApiOperation({ summary: 'One of your orders (admins: any)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiResponse({ status: 403, description: "Another account's order" })
  @ApiResponse({ status: 404, description: 'No such order' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrderView> {
    return this.checkout.order(id);
  }
}
