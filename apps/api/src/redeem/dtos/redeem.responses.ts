import { ApiProperty } from '@nestjs/swagger';

export class RedeemBatchView {
  @ApiProperty() id: string;
  @ApiProperty() bundleId: string;
  @ApiProperty() label: string;
  @ApiProperty() size: number;
  @ApiProperty({ description: 'Codes redeemed so far' }) used: number;
  @ApiProperty({ description: 'Codes revoked before use (one by one, or all unused ones with the batch)' })
  revoked: number;
  @ApiProperty({ nullable: true, type: Date }) revokedAt: Date | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ description: 'Where to download the codes as CSV' }) csvUrl: string;
}

export class RedeemCodeView {
  @ApiProperty({ example: 'ABCD-EFGH-JKMN-PQRS' }) code: string;
  @ApiProperty({ enum: ['UNUSED', 'USED', 'REVOKED'] }) status: string;
  @ApiProperty({ nullable: true, type: Date }) usedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) revokedAt: Date | null;
}

export class RedeemedView {
  @ApiProperty({ enum: ['REDEEM', 'GIFT'], description: 'A redeem code, or a gift claimed' }) source: string;
  @ApiProperty() licenseId: string;
  @ApiProperty() orderId: string;
  @ApiProperty() bundleId: string;
  @ApiProperty() bundleSlug: string;
  @ApiProperty() bundleTitle: string;
}
