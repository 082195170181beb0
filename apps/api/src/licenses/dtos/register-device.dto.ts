import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class RegisterDeviceDto {
  @ApiProperty({
    example: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo',
    description: "The device's X25519 public key: raw 32 bytes, base64url without padding (43 characters)",
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'publicKey must be a raw 32-byte X25519 key in base64url without padding (43 characters)',
  })
  publicKey: string;

  @ApiProperty({ required: false, example: 'living-room laptop' })
  @IsOmittable()
  @IsString()
  @MaxLength(100)
  name?: string;
}
