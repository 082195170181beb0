import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { PaygateModule } from '@keyseed/paygate';
import { QueuesModule } from '@keyseed/queues';
import { KeyringModule } from '@keyseed/keyring';
import { OpentrackerModule } from '@keyseed/opentracker';
import { StorageModule } from '@keyseed/storage';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { IngestModule } from './ingest/ingest.module';
import { IngestService } from './ingest/ingest.service';
import { PublishModule } from './publish/publish.module';
import { PublishService } from './publish/publish.service';
import { JOB_PROCESSORS, QueueWorkerHost } from './queue-worker-host';

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
    OpentrackerModule,
  ],
  providers: [
    {
      provide: JOB_PROCESSORS,
      inject: [IngestService, PublishService],
      useFactory: (ingest: IngestService, publish: PublishService) => [ingest, publish],
    },
    QueueWorkerHost,
  ],
})
export class WorkerModule {}
