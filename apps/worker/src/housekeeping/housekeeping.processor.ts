import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ReconcileOrdersService } from '@keyseed/paygate';
import { HousekeepingJob, QueueName, RedisAvailability } from '@keyseed/queues';
import { AnnounceReleasesService } from './announce-releases.service';
import { BackfillPieceRootsService } from './backfill-piece-roots.service';
import { ExpireUploadsService } from './expire-uploads.service';

/**
 * One processor for the Housekeeping queue, dispatching on `job.data.kind`. To add a kind: add it
 * to HousekeepingJob (libs/queues), a service in this folder, a case here and, if periodic, a
 * schedule in housekeeping.scheduler.ts.
 */
@Processor(QueueName.Housekeeping)
export class HousekeepingProcessor extends WorkerHost {
  private readonly logger = new Logger('housekeeping');

  constructor(
    private readonly expireUploads: ExpireUploadsService,
    private readonly reconcileOrders: ReconcileOrdersService,
    private readonly redis: RedisAvailability,
    private readonly backfillPieceRoots: BackfillPieceRootsService,
    private readonly announceReleases: AnnounceReleasesService,
  ) {
    super();
  }

  /**
   * Connection errors during an outage are RedisAvailability's to report (once). Without a listener
   * BullMQ prints every one of them to stderr as an unformatted stack.
   */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    if (this.redis.isUp) this.logger.warn({ event: 'housekeeping.worker_error', message: err.message });
  }

  async process(job: Job<HousekeepingJob>): Promise<unknown> {
    switch (job.data.kind) {
      case 'expire-uploads':
        return this.expireUploads.run();
      case 'reconcile-orders':
        return this.reconcileOrders.reconcile();
      case 'backfill-piece-roots':
        return this.backfillPieceRoots.run();
      case 'announce-releases':
        return this.announceReleases.run();
      default:
        throw new Error(`no handler for housekeeping job kind "${(job.data as { kind: string }).kind}"`);
    }
  }
}
