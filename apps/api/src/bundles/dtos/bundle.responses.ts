import { ApiProperty } from '@nestjs/swagger';

export class PriceView {
  @ApiProperty({ description: 'Integer minor units (cents)' }) amount: number;
  @ApiProperty({ example: 'eur' }) currency: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Pay-what-you-want minimum, same currency' }) minimum:
    number | null;
}

export class ItemView {
  @ApiProperty() id: string;
  @ApiProperty() path: string;
  @ApiProperty() position: number;
  @ApiProperty() locked: boolean;
  @ApiProperty() previewPieces: number;
  @ApiProperty({ enum: ['AWAITING_UPLOAD', 'UPLOADING', 'QUEUED', 'INGESTING', 'READY', 'FAILED'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) failureReason: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Size declared with the item (uploads of another length are refused); null when not declared',
  })
  declaredSize: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Plaintext bytes, known once the upload completes' }) size:
    number | null;
  @ApiProperty({ description: 'Ingest progress, 0–100' }) progressPercent: number;
  @ApiProperty({ description: 'Ingest throughput while ingesting' }) bytesPerSecond: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Estimated seconds until ingest finishes' }) etaSeconds:
    number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Plaintext SHA-256 (hex) once ingested' }) plaintextSha256:
    string | null;
}

export class BundleSummaryView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: ['DRAFT', 'PUBLISHING', 'PUBLISHED', 'UNLISTED', 'TAKEN_DOWN'] }) status: string;
  @ApiProperty({ nullable: true, type: Number }) pieceLength: number | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class BundleView extends BundleSummaryView {
  @ApiProperty() description: string;
  @ApiProperty({ nullable: true, type: String }) takedownReason: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the last publish failed (the bundle is back to DRAFT); null otherwise',
  })
  publishFailureReason: string | null;
  @ApiProperty({ nullable: true, type: PriceView }) price: PriceView | null;
  @ApiProperty({ nullable: true, type: String }) infoHashV1: string | null;
  @ApiProperty({ nullable: true, type: String }) infoHashV2: string | null;
  @ApiProperty({ nullable: true, type: String }) infoHashV1Legacy: string | null;
  @ApiProperty({ nullable: true, type: String }) magnet: string | null;
  @ApiProperty({ nullable: true, type: Date }) publishedAt: Date | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'Premiere: no license key delivery before this time (UTC); null: keys flow once published',
  })
  releaseAt: Date | null;
  @ApiProperty({ type: [ItemView] }) items: ItemView[];
  @ApiProperty({ description: 'Overall ingest progress over all items with a known size, 0–100' })
  progressPercent: number;
}

export class NotReadyItemView {
  @ApiProperty() id: string;
  @ApiProperty() path: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true, type: String }) failureReason: string | null;
}

export class PublishConflictView {
  @ApiProperty({ example: 409 }) statusCode: number;
  @ApiProperty({ example: 'Conflict' }) error: string;
  @ApiProperty() message: string;
  @ApiProperty({ type: [NotReadyItemView] }) items: NotReadyItemView[];
}

export class PublishAcceptedView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'PUBLISHING' }) status: string;
  @ApiProperty({ description: 'BullMQ job id of the publish job' }) jobId: string;
}
