import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { MailModule } from '@keyseed/mail';
import { PaygateModule } from '@keyseed/paygate';
import { QueuesModule } from '@keyseed/queues';
import { KeyringModule } from '@keyseed/keyring';
import { OpentrackerModule } from '@keyseed/opentracker';
import { StorageModule } from '@keyseed/storage';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { IngestModule } from './ingest/ingest.module';
import { IngestService } from './ingest/ingest.service';
import { MailSendingModule } from './mail/mail.module';
import { MailService } from './mail/mail.service';
import { PublishModule } from './publish/publish.module';
import { PublishService } from './publish/publish.service';
import { JOB_PROCESSORS, QueueWorkerHost } from './queue-worker-host';

/** The worker process: BullMQ processors (ingest, publish, mail, housekeeping), no HTTP. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StorageModule,
    QueuesModule.register(),
    MailModule,
    PaygateModule,
    HousekeepingModule,
    KeyringModule,
    IngestModule,
    PublishModule,
    MailSendingModule,
    OpentrackerModule,
  ],
  providers: [
    {
      provide: JOB_PROCESSORS,
      inject: [IngestService, PublishService, MailService],
      useFactory: (ingest: IngestService, publish: PublishService, mail: MailService) => [ingest, publish, mail],
    },
    QueueWorkerHost,
  ],
})
export class WorkerModule {}
