import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { QueuesModule } from '@keyseed/queues';
import { StorageModule } from '@keyseed/storage';

/** The worker process: BullMQ processors (ingest, publish, housekeeping), no HTTP. */
@Module({
  imports: [ConfigModule, DatabaseModule, StorageModule, QueuesModule.register()],
})
export class WorkerModule {}
