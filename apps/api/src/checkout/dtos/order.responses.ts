import { ApiProperty } from '@nestjs/swagger';

export class CheckoutView {
  @ApiProperty() orderId: string;
  @ApiProperty({ description: 'Stripe Checkout page to send the buyer to' }) checkoutUrl: string;
}

export class GiftCheckoutView extends CheckoutView {
  @ApiProperty({ description: 'The gift: claimable by its recipient once paid' }) giftId: string;
}

export class OrderView {
  @ApiProperty() id: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({
    enum: ['CHECKOUT', 'GIFT', 'REDEEM'],
    description: 'Your own purchase, a gift you bought for someone, or a redeem code you used (amount 0)',
  })
  source: string;
  @ApiProperty({ description: 'Minor units charged (after any discount)' }) amount: number;
  @ApiProperty({ nullable: true, type: Number, description: 'With a discount code: the price before it' })
  originalAmount: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'The discount code applied' }) discountCode: string | null;
  @ApiProperty() currency: string;
  @ApiProperty({ enum: ['PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'While PENDING: where to pay' }) checkoutUrl: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The license this order granted you, once paid (null for gifts: it is the recipient’s)',
  })
  licenseId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Gifts: the gift (see GET /v1/gifts)' }) giftId:
    string | null;
  @ApiProperty({ description: 'Minor units refunded so far' }) amountRefunded: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) paidAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) refundedAt: Date | null;
}

export class CheckoutReturnBundleView {
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
}

export class CheckoutReturnView {
  @ApiProperty() orderId: string;
  @ApiProperty({ enum: ['PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED'] }) status: string;
  @ApiProperty({ type: CheckoutReturnBundleView }) bundle: CheckoutReturnBundleView;
}
