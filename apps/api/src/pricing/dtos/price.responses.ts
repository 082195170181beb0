import { ApiProperty } from '@nestjs/swagger';

export class PriceView {
  @ApiProperty() bundleId: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Minor units; null = not for sale' }) amount: number | null;
  @ApiProperty({ nullable: true, type: String }) currency: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Pay-what-you-want minimum; null = fixed price' }) minimum:
    number | null;
  @ApiProperty() forSale: boolean;
  @ApiProperty({ description: 'The platform sells in its own name; otherwise the creator through Stripe Connect' })
  platformSellerOfRecord: boolean;
}

export class PriceChangeView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Admin who made the change' }) adminId: string;
  @ApiProperty() adminEmail: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Number }) oldAmount: number | null;
  @ApiProperty({ nullable: true, type: String }) oldCurrency: string | null;
  @ApiProperty({ nullable: true, type: Number }) oldMinimum: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'null: taken off sale' }) newAmount: number | null;
  @ApiProperty({ nullable: true, type: String }) newCurrency: string | null;
  @ApiProperty({ nullable: true, type: Number }) newMinimum: number | null;
}
