import { ApiProperty } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';

export class UpdateUserDto {
  @ApiProperty({ required: false, isArray: true, enum: ['CREATOR', 'BUYER', 'ADMIN'] })
  @IsOptional() @IsArray() @ArrayUnique() @IsIn(['CREATOR', 'BUYER', 'ADMIN'], { each: true })
  roles?: ('CREATOR' | 'BUYER' | 'ADMIN')[];

  @ApiProperty({ required: false, description: 'Disabling revokes access at once (tokens stop working)' })
  @IsOptional() @IsBoolean()
  disabled?: boolean;
}
