import { ApiProperty } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiProperty({ example: 'Ada Films' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName: string;

  @ApiProperty({
    required: false,
    isArray: true,
    enum: ['CREATOR', 'BUYER'],
    default: ['BUYER'],
    description: 'Admins are made with `keyseed admin create`, never here',
  })
  @IsOmittable()
  @IsArray()
  @ArrayUnique()
  @IsIn(['CREATOR', 'BUYER'], { each: true })
  roles?: ('CREATOR' | 'BUYER')[];
}
