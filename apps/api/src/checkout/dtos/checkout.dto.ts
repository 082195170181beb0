import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Min } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class CheckoutDto {
  @ApiProperty({
    required: false,
    example: 2000,
    description:
      "Pay-what-you-want bundles: what you pay, integer minor units ≥ the bundle's minimum. Fixed-price bundles: omit (or send exactly the price)",
  })
  @IsOmittable()
  @IsInt({ message: 'amount must be an integer number of minor units (e.g. 1500 for 15.00)' })
  @Min(0)
  amount?: number;
}
