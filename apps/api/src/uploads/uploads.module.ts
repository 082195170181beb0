import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@keyseed/queues';
import { TusFilesService } from './tus-files.service';
import { tusServerProvider } from './tus-server.provider';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Ingest })],
  controllers: [UploadsController],
  providers: [TusFilesService, UploadsService, tusServerProvider],
  exports: [TusFilesService, UploadsService],
})
export class UploadsModule {}
