import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../admin/dtos/page-query.dto';

/** Filters of the audit log; all optional, combined with AND. */
export class AuditQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, description: 'Only actions by this account' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiProperty({ required: false, example: 'bundle.price.set', description: 'Exact action name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9_.]+$/, { message: 'action must be lower-case letters, digits, dots and underscores' })
  action?: string;

  @ApiProperty({ required: false, example: 'bundle', description: 'Kind of record acted on (bundle, order, user…)' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  @Matches(/^[a-z_]+$/, { message: 'targetType must be lower-case letters and underscores' })
  targetType?: string;

  @ApiProperty({ required: false, description: 'Id of the record acted on' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'targetId must be an id (letters, digits, _ . : -)' })
  targetId?: string;
}
