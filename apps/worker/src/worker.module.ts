import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { PaygateModule } from '@keyseed/paygate';
import { QueuesModule } from '@keyseed/queues';
import { StorageModule } from '@keyseed/storage';
import { HousekeepingModule } from './housekeeping/housekeeping.module';

/** The worker process: BullMQ processors (ingest, publish, housekeeping), no HTTP. */
@Module({
  imports: [ConfigModule, DatabaseModule, StorageModule, QueuesModule.register(), HousekeepingModule],
})
export class WorkerModule {}
