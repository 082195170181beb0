import { Module } from '@nestjs/common';
import { PublishService } from './publish.service';
import { PublishWorker } from './publish.worker';

@Module({ providers: [PublishService, PublishWorker], exports: [PublishService] })
export class PublishModule {}
