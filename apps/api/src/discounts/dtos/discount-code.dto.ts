import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, IsISO8601, IsString, IsUUID, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsOmittable } from '../../common/validation';

/** An instant with its UTC offset, like release times: a code's window must not depend on the server's zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const instantMessage = (field: string) =>
  `${field} must be an ISO 8601 date-time with Z or an offset, e.g. 2027-03-01T18:00:00Z`;

/** Amounts, percentages and the code itself are checked by `validateDiscount` (libs/paygate), which names the rule broken. */
export class CreateDiscountCodeDto {
  @ApiProperty({ example: 'LAUNCH20', description: "3–40 letters, digits, '-' or '_'; case-insensitive" })
  @IsDefined()
  @IsString()
  @MaxLength(40)
  code: string;

  @ApiProperty({
    required: false,
    description: 'The one bundle the code applies to. Omit for every bundle of the creator (yours; admins: creatorId)',
  })
  @IsOmittable()
  @IsUUID('all', { message: 'bundleId must be a UUID' })
  bundleId?: string;

  @ApiProperty({
    required: false,
    description:
      'Admins only, without bundleId: the creator whose bundles the code applies to (creators: always their own)',
  })
  @IsOmittable()
  @IsUUID('all', { message: 'creatorId must be a UUID' })
  creatorId?: string;

  @ApiProperty({ required: false, example: 20, description: 'Percent off, integer 1–99 (give this or amountOff)' })
  @IsOmittable()
  @IsInt({ message: 'percentOff must be an integer from 1 to 99' })
  percentOff?: number;

  @ApiProperty({
    required: false,
    example: 500,
    description: 'Amount off in integer minor units of `currency` (give this or percentOff)',
  })
  @IsOmittable()
  @IsInt({ message: 'amountOff must be an integer number of minor units' })
  amountOff?: number;

  @ApiProperty({
    required: false,
    example: 'usd',
    description: 'Currency of amountOff (applies only to bundles priced in it)',
  })
  @IsOmittable()
  @IsString()
  @Length(3, 3, { message: 'currency must be a three-letter ISO 4217 code' })
  currency?: string;

  @ApiProperty({ required: false, example: 100, description: 'How many checkouts may use it (omit: unlimited)' })
  @IsOmittable()
  @IsInt({ message: 'maxUses must be an integer from 1 to 1000000' })
  maxUses?: number;

  @ApiProperty({
    required: false,
    type: String,
    example: '2027-03-01T00:00:00Z',
    description: 'Valid from (default: now)',
  })
  @IsOmittable()
  @ValidateIf((_o, v) => v !== null)
  @IsISO8601({ strict: true }, { message: instantMessage('startsAt') })
  @Matches(INSTANT, { message: instantMessage('startsAt') })
  startsAt?: string | null;

  @ApiProperty({
    required: false,
    type: String,
    example: '2027-04-01T00:00:00Z',
    description: 'Valid until (exclusive; default: no end)',
  })
  @IsOmittable()
  @ValidateIf((_o, v) => v !== null)
  @IsISO8601({ strict: true }, { message: instantMessage('endsAt') })
  @Matches(INSTANT, { message: instantMessage('endsAt') })
  endsAt?: string | null;
}

export class ListDiscountCodesQuery {
  @ApiProperty({ required: false, description: "Admins: only this creator's codes (creators always see their own)" })
  @IsOmittable()
  @IsUUID('all', { message: 'creatorId must be a UUID' })
  creatorId?: string;
}
