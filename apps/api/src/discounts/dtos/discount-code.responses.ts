import { ApiProperty } from '@nestjs/swagger';

export class DiscountCodeView {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty({ description: 'The creator whose bundles it discounts' }) creatorId: string;
  @ApiProperty({ nullable: true, type: String, description: 'One bundle, or null for every bundle of the creator' })
  bundleId: string | null;
  @ApiProperty({ enum: ['PERCENT', 'AMOUNT'] }) kind: string;
  @ApiProperty({ nullable: true, type: Number }) percentOff: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minor units of currency' }) amountOff: number | null;
  @ApiProperty({ nullable: true, type: String }) currency: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Null: unlimited' }) maxUses: number | null;
  @ApiProperty({ description: 'Checkouts holding a use: open (reserved) or paid' }) uses: number;
  @ApiProperty({ nullable: true, type: Date }) startsAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) endsAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) disabledAt: Date | null;
  @ApiProperty({ enum: ['ACTIVE', 'SCHEDULED', 'EXPIRED', 'USED_UP', 'DISABLED'] }) state: string;
  @ApiProperty() createdAt: Date;
}
