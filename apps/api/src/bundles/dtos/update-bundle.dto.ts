import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

/** Title and description can change while the bundle is a draft; the slug stays. */
export class UpdateBundleDto {
  @ApiProperty({ required: false, maxLength: 200 })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @ApiProperty({ required: false, maxLength: 20000 })
  @IsOmittable()
  @IsString()
  @MaxLength(20000)
  description?: string;
}
