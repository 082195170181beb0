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

export class RequestKeysDto {
  @ApiProperty({ description: 'A device registered to this license (POST /v1/licenses/:id/devices)' })
  @IsUUID()
  deviceId: string;

  @ApiProperty({
    required: false,
    type: [PieceRangeDto],
    description: 'Default: every locked, ready item of the bundle, all pieces',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PieceRangeDto)
  items?: PieceRangeDto[];
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
      'plaintext {"v":1,"licenseId","items":[{"itemId","first","keys"}]}',
  })
  ciphertext: string;
}
