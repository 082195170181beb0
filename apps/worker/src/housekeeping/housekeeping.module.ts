import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { MailSendingModule } from '../mail/mail.module';
import { PublishModule } from '../publish/publish.module';
import { AnnounceReleasesService } from './announce-releases.service';
import { BackfillPieceRootsService } from './backfill-piece-roots.service';
import { ExpireUploadsService } from './expire-uploads.service';
import { HousekeepingProcessor } from './housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping.scheduler';
import { JobSweeper } from './job-sweeper';

/** Housekeeping queue: processor (dispatch by kind), its services, the periodic schedules and the job sweeper. */
@Module({
  imports: [IngestModule, PublishModule, MailSendingModule],
  providers: [
    HousekeepingProcessor,
    HousekeepingScheduler,
    ExpireUploadsService,
    BackfillPieceRootsService,
    AnnounceReleasesService,
    JobSweeper,
  ],
})
export class HousekeepingModule {}
