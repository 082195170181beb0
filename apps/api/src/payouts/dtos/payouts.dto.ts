import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNumber, Max, Min, ValidateIf } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class EarningsQueryDto {
  @ApiProperty({ required: false, enum: ['bundle', 'month'], default: 'bundle' })
  @IsOmittable()
  @IsIn(['bundle', 'month'], { message: 'by must be bundle or month' })
  by: 'bundle' | 'month' = 'bundle';
}

export class SetCreatorFeeDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 7.5,
    description:
      "The platform's share of this creator's sales in percent (0–100, two decimals); null = PLATFORM_FEE_PERCENT",
  })
  @ValidateIf((_, v) => v !== null)
  @IsNumber(
    { maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false },
    { message: 'percent must be a number with at most two decimals, or null' },
  )
  @Min(0)
  @Max(100)
  percent: number | null;
}

export class SellerOfRecordDto {
  @ApiProperty({
    description: 'true: the platform sells this bundle in its own name (no creator payout account needed)',
  })
  @IsBoolean({ message: 'platform must be true or false' })
  platform: boolean;
}
