import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { PaygateModule } from '@keyseed/paygate';
import { QueuesModule } from '@keyseed/queues';
import { KeyringModule } from '@keyseed/keyring';
import { StorageModule } from '@keyseed/storage';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { IngestModule } from './ingest/ingest.module';
import { PublishModule } from './publish/publish.module';

/** The worker process: BullMQ processors (ingest, publish, housekeeping), no HTTP. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StorageModule,
    QueuesModule.register(),
    PaygateModule,
    HousekeepingModule,
    KeyringModule,
    IngestModule,
    PublishModule,
  ],
})
export class WorkerModule {}
