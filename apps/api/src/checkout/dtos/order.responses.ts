import { ApiProperty } from '@nestjs/swagger';

export class CheckoutView {
  @ApiProperty() orderId: string;
  @ApiProperty({ description: 'Stripe Checkout page to send the buyer to' }) checkoutUrl: string;
}

export class OrderView {
  @ApiProperty() id: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ enum: ['PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'While PENDING: where to pay' }) checkoutUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The license this order granted, once paid' }) licenseId:
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
