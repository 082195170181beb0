import { ApiProperty } from '@nestjs/swagger';

export class CurrencySalesView {
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Orders paid (refunded ones included)' }) paidCount: number;
  @ApiProperty({ description: 'Sum paid, minor units' }) gross: number;
  @ApiProperty({ description: 'Orders with any refund' }) refundCount: number;
  @ApiProperty({ description: 'Sum refunded, minor units' }) refunded: number;
  @ApiProperty({ description: 'gross − refunded' }) net: number;
}

export class SalesReportView {
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'Orders that were paid, all currencies' }) paidCount: number;
  @ApiProperty({ description: 'Orders with any refund, all currencies' }) refundCount: number;
  @ApiProperty({ description: 'Licenses currently ACTIVE' }) activeLicenses: number;
  @ApiProperty({ type: [CurrencySalesView], description: 'Amounts never mix currencies' })
  byCurrency: CurrencySalesView[];
}
