import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsUUID, Matches, Min, ValidateNested } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class PieceRangeDto {
  @ApiProperty({ description: 'A locked item of the bundle' }) @IsUUID() itemId: string;

  @ApiProperty({ required: false, description: 'First piece (0-based within the item); default 0' })
  @IsOmittable()
  @IsInt()
  @Min(0)
  first?: number;

  @ApiProperty({
    required: false,
    description: "Last piece, inclusive; default the item's last piece (or last preview piece)",
  })
  @IsOmittable()
  @IsInt()
  @Min(0)
  last?: number;
}

export class ItemRefDto {
  @ApiProperty({ description: 'A locked item of the bundle' }) @IsUUID() itemId: string;
}

export class RequestKeysDto {
  @ApiProperty({ description: 'A device registered to this license (POST /v1/licenses/:id/devices)' })
  @IsUUID()
  deviceId: string;

  @ApiProperty({
    required: false,
    type: [ItemRefDto],
    description:
      'Default: every locked, ready item of the bundle. A license delivery carries whole items (their content keys)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ItemRefDto)
  items?: ItemRefDto[];
}

export class PreviewKeysDto {
  @ApiProperty({ description: 'X25519 public key to seal to (raw 32 bytes, base64url); need not be registered' })
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'publicKey must be a raw 32-byte X25519 key in base64url without padding (43 characters)',
  })
  publicKey: string;

  @ApiProperty({
    required: false,
    type: [PieceRangeDto],
    description: 'Default: every item with preview pieces, all of them',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PieceRangeDto)
  items?: PieceRangeDto[];
}

export class SealedKeySetView {
  @ApiProperty({ example: 'X25519-HKDF-SHA256-A256GCM' }) alg: string;
  @ApiProperty({ description: 'Ephemeral X25519 public key E, base64url' }) epk: string;
  @ApiProperty({ description: 'AES-GCM nonce (12 bytes), base64url' }) nonce: string;
  @ApiProperty({
    description:
      'AES-256-GCM ciphertext ‖ tag, base64url; AAD "keyseed/v1|<licenseId>|<deviceId>" (previews: "keyseed/v1|preview|preview"); ' +
      'plaintext payload v2: licenses {"v":2,"licenseId","items":[{"itemId","contentKey","plaintextSha256","plaintextPieceRoot" (optional)}]}, ' +
      'previews {"v":2,"licenseId":"preview","items":[{"itemId","first","keys"}]}',
  })
  ciphertext: string;
}

export class NotReleasedView {
  @ApiProperty({ example: 425 }) statusCode: number;
  @ApiProperty({ example: 'Too Early' }) error: string;
  @ApiProperty({ example: 'this bundle releases at 2027-03-01T18:00:00.000Z (in 3600 s): …' }) message: string;
  @ApiProperty({ type: Date, description: 'When keys start to flow (UTC); the Retry-After header gives the seconds' })
  releaseAt: Date;
}
