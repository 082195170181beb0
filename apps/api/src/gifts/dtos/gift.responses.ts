import { ApiProperty } from '@nestjs/swagger';

export class GiftBundleView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
}

export class GiftView {
  @ApiProperty() id: string;
  @ApiProperty() orderId: string;
  @ApiProperty({ type: GiftBundleView }) bundle: GiftBundleView;
  @ApiProperty() recipientEmail: string;
  @ApiProperty() message: string;
  @ApiProperty({
    enum: ['AWAITING_PAYMENT', 'CLAIMABLE', 'CLAIMED', 'REVOKED'],
    description: 'CLAIMABLE: paid, the recipient was e-mailed the claim link; REVOKED: refunded before a claim',
  })
  status: string;
  @ApiProperty({ nullable: true, type: Date }) claimedAt: Date | null;
  @ApiProperty() createdAt: Date;
}
