import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateTokenDto {
  @ApiProperty({ example: 'laptop CLI' }) @IsString() @MinLength(1) @MaxLength(100) name: string;

  @ApiProperty({ required: false, description: 'Days until expiry; omit for a token that lasts until revoked' })
  @IsOptional() @IsInt() @Min(1) @Max(3650)
  expiresInDays?: number;
}
