import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsOptional } from 'class-validator';

/** Checked by `validatePrice` (libs/paygate) so every refusal names Stripe's rule it breaks. */
export class SetPriceDto {
  @ApiProperty({
    example: 1500,
    description:
      "Integer minor units of the currency (1500 usd = $15.00; 500 jpy = ¥500), at least the currency's Stripe minimum charge",
  })
  @IsDefined()
  amount: number;

  @ApiProperty({
    example: 'usd',
    description: 'ISO 4217 code of a currency Stripe supports (see STRIPE_CURRENCIES); stored lower-case',
  })
  @IsDefined()
  currency: string;

  @ApiProperty({
    required: false,
    example: 500,
    description:
      'Pay-what-you-want: buyers may pay any amount ≥ minimum (≥ the currency minimum, ≤ amount); amount is then the suggested price',
  })
  @IsOptional()
  minimum?: number;
}
