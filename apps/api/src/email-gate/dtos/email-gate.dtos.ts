import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class SetEmailGateDto {
  @ApiProperty({
    description: 'true: the items below (or every locked item) are unlocked by a confirmed e-mail address',
  })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({
    required: false,
    type: [String],
    description: 'Only these locked items of the bundle (ids); left out: every locked item, the whole bundle',
  })
  @IsOmittable()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  itemIds?: string[];
}

export class EmailGateView {
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'Some locked items are unlocked by a confirmed e-mail address' }) enabled: boolean;
  @ApiProperty({ description: 'Every locked item is gated: a confirmed address unlocks the whole bundle' })
  wholeBundle: boolean;
  @ApiProperty({ type: [String], description: 'The gated items' }) itemIds: string[];
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Confirmed addresses so far (the bundle creator and admins; null for others)',
  })
  confirmedFans: number | null;
}

export class GateSignupDto {
  @ApiProperty({ example: 'fan@example.com' })
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email: string;
}

export class GateSignupView {
  @ApiProperty({
    enum: ['sent'],
    description:
      'A confirmation link is on its way to the address (the same answer whether or not it signed up before; at most one e-mail a minute per address and bundle)',
  })
  status: 'sent';
  @ApiProperty({ description: 'When the link stops working' }) expiresAt: Date;
}

export class GateConfirmDto {
  @ApiProperty({ description: 'The token of the confirmation link (`gate` parameter)' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'token must be the 43-character token of the confirmation link' })
  token: string;
}

export class GateConfirmView {
  @ApiProperty() bundleId: string;
  @ApiProperty() bundleSlug: string;
  @ApiProperty() bundleTitle: string;
  @ApiProperty({ description: 'The confirmed address' }) email: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The license in the caller's library (null without a bearer token: log in or register, then confirm again with the same link)",
  })
  licenseId: string | null;
}
