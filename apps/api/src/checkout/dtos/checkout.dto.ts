import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Min } from 'class-validator';

export class CheckoutDto {
  @ApiProperty({ required: false, example: 2000, description: 'Pay-what-you-want bundles: what you pay, integer minor units ≥ the bundle\'s minimum. Fixed-price bundles: omit (or send exactly the price)' })
  @IsOptional() @IsInt({ message: 'amount must be an integer number of minor units (e.g. 1500 for 15.00)' }) @Min(0)
  amount?: number;
}
