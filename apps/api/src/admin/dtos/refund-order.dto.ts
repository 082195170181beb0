import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class RefundOrderDto {
  @ApiProperty({
    required: false,
    enum: ['requested_by_customer', 'duplicate', 'fraudulent'],
    default: 'requested_by_customer',
    description: 'Reason passed to Stripe',
  })
  @IsOmittable()
  @IsIn(['requested_by_customer', 'duplicate', 'fraudulent'])
  reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent';

  @ApiProperty({ required: false, description: 'Note kept in the audit log' })
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class RefundView {
  @ApiProperty() orderId: string;
  @ApiProperty({ description: 'Stripe refund id' }) refundId: string;
  @ApiProperty({ description: 'Stripe refund status (succeeded, pending, …)' }) refundStatus: string;
  @ApiProperty({
    enum: ['PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED'],
    description: 'Order status after applying what Stripe reports now',
  })
  orderStatus: string;
  @ApiProperty({ nullable: true, type: String, enum: ['ACTIVE', 'SUSPENDED', 'REVOKED'] }) licenseStatus: string | null;
}
