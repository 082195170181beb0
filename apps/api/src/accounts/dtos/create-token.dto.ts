import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class CreateTokenDto {
  @ApiProperty({ example: 'laptop CLI' }) @IsString() @MinLength(1) @MaxLength(100) name: string;

  @ApiProperty({ required: false, description: 'Days until expiry; omit for a token that lasts until revoked' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}
