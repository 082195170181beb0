import { ApiProperty } from '@nestjs/swagger';

export class AuditEntryView {
  @ApiProperty() id!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null for the platform itself (webhooks, jobs)' })
  actorId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorEmail!: string | null;
  @ApiProperty({ example: 'bundle.price.set' }) action!: string;
  @ApiProperty({ example: 'bundle' }) targetType!: string;
  @ApiProperty() targetId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What changed, e.g. {before, after}' })
  details!: unknown;
  @ApiProperty() createdAt!: Date;
}
