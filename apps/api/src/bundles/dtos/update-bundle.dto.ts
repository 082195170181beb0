import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Title and description can change while the bundle is a draft; the slug stays. */
export class UpdateBundleDto {
  @ApiProperty({ required: false, maxLength: 200 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  title?: string;

  @ApiProperty({ required: false, maxLength: 20000 })
  @IsOptional() @IsString() @MaxLength(20000)
  description?: string;
}
