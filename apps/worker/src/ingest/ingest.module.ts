import { Module } from '@nestjs/common';
import { IngestService } from './ingest.service';
import { IngestWorker } from './ingest.worker';

@Module({ providers: [IngestService, IngestWorker], exports: [IngestService] })
export class IngestModule {}
