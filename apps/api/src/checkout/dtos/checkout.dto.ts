import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsInt, IsString, MaxLength, Min } from 'class-validator';
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

  @ApiProperty({ required: false, example: 'LAUNCH20', description: 'A discount code of the bundle’s creator' })
  @IsOmittable()
  @IsString()
  @MaxLength(40, { message: 'code must be at most 40 characters' })
  code?: string;
}

export class GiftCheckoutDto extends CheckoutDto {
  @ApiProperty({ example: 'friend@example.com', description: 'Who the gift is for: they are e-mailed a claim link' })
  @IsEmail({}, { message: 'recipientEmail must be an e-mail address' })
  @MaxLength(254)
  recipientEmail: string;

  @ApiProperty({
    required: false,
    example: 'Happy birthday!',
    description: 'A note for the recipient (≤ 1000 characters, plain text)',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
