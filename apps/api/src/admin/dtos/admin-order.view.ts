import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES } from './order-query.dto';

class AdminOrderBuyerView {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
}

class AdminOrderBundleView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
}

/** One order as the admin page lists it: who bought what, for how much, and where it stands. */
export class AdminOrderView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status: string;
  @ApiProperty({ description: 'Minor units' }) amount: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Minor units refunded so far' }) amountRefunded: number;
  @ApiProperty({ nullable: true, type: String, enum: ['OPEN', 'WON', 'LOST'] }) disputeStatus: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['ACTIVE', 'SUSPENDED', 'REVOKED'] })
  licenseStatus: string | null;
  @ApiProperty({ type: AdminOrderBuyerView }) buyer: AdminOrderBuyerView;
  @ApiProperty({ type: AdminOrderBundleView }) bundle: AdminOrderBundleView;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) paidAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) refundedAt: Date | null;
}
