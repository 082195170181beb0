import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class TorrentQueryDto {
  @ApiProperty({
    required: false,
    enum: ['hybrid', 'v1'],
    default: 'hybrid',
    description: 'hybrid (v1+v2, default) or v1 (legacy v1-only)',
  })
  @IsOptional()
  @IsIn(['hybrid', 'v1'])
  format?: 'hybrid' | 'v1';
}
