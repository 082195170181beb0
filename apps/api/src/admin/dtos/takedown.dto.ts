import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class TakedownDto {
  @ApiProperty({ example: 'DMCA notice 2026-117', description: 'Shown to the creator and kept in the audit log' })
  @IsString()
  @MinLength(3)
  @MaxLength(2000)
  reason: string;
}
