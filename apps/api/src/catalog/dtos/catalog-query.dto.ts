import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../admin/dtos/page-query.dto';

export class CatalogQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, maxLength: 200, description: 'Only bundles whose title contains this (any case)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
