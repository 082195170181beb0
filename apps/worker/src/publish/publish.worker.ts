import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PublishJob, QueueName } from '@keyseed/queues';
import { createQueueWorker, isFinalFailure } from '../queue-worker';
import { PublishService } from './publish.service';

/** Runs `publish` jobs (cheap: no file is re-read), two at a time. */
@Injectable()
export class PublishWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('publish');
  private worker: Worker<PublishJob> | null = null;

  constructor(
    private readonly publish: PublishService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createQueueWorker<PublishJob>(this.config, QueueName.Publish, (job) => this.publish.process(job), 2);
    this.worker.on('failed', (job: Job<PublishJob> | undefined, err: Error) => {
      if (!job) return;
      if (!isFinalFailure(job, err)) {
        this.logger.warn({
          event: 'publish.attempt_failed',
          bundleId: job.data.bundleId,
          jobId: job.id,
          attempt: job.attemptsMade,
          message: err.message,
        });
        return;
      }
      this.publish
        .markFailed(job, err)
        .catch((e: Error) =>
          this.logger.error({ event: 'publish.mark_failed_error', jobId: job.id, message: e.message }),
        );
    });
    this.worker.on('error', (err) => this.logger.warn({ event: 'publish.worker_error', message: err.message }));
  }

  /**
   * SIGTERM: stop taking jobs and let the running ones finish. Runs before the shutdown hooks that
   * close the database (PrismaService disconnects in onApplicationShutdown), so a job can still commit.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
