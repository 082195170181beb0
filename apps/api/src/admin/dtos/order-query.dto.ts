import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from './page-query.dto';

export const ORDER_STATUSES = ['PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED'] as const;

/** Filters of the admin order list; all optional, combined with AND. */
export class OrderQueryDto extends PageQueryDto {
  @ApiProperty({
    required: false,
    maxLength: 200,
    description: "Only orders whose buyer's e-mail contains this (any case)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  buyer?: string;

  @ApiProperty({
    required: false,
    maxLength: 200,
    description: 'Only orders of bundles whose title or slug contains this (any case)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  bundle?: string;

  @ApiProperty({ required: false, enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: (typeof ORDER_STATUSES)[number];
}
