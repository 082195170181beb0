import { ApiProperty } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsIn } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class UpdateUserDto {
  @ApiProperty({ required: false, isArray: true, enum: ['CREATOR', 'BUYER', 'ADMIN'] })
  @IsOmittable()
  @IsArray()
  @ArrayUnique()
  @IsIn(['CREATOR', 'BUYER', 'ADMIN'], { each: true })
  roles?: ('CREATOR' | 'BUYER' | 'ADMIN')[];

  @ApiProperty({ required: false, description: 'Disabling revokes access at once (tokens stop working)' })
  @IsOmittable()
  @IsBoolean()
  disabled?: boolean;
}
