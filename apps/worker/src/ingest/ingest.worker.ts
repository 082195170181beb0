import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { IngestJob, QueueName } from '@keyseed/queues';
import { createQueueWorker, isFinalFailure } from '../queue-worker';
import { IngestService } from './ingest.service';

/**
 * Runs `ingest` jobs, INGEST_CONCURRENCY items at a time (each item also uses INGEST_THREADS
 * threads). Shutdown (SIGTERM via enableShutdownHooks) closes the worker: it takes no new job and
 * waits for the running ones to finish; a process killed harder loses its jobs to another worker
 * through the stalled-job check (see createQueueWorker).
 */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ingest');
  private worker: Worker<IngestJob> | null = null;

  constructor(
    private readonly ingest: IngestService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createQueueWorker<IngestJob>(
      this.config,
      QueueName.Ingest,
      (job) => this.ingest.process(job),
      this.config.INGEST_CONCURRENCY,
    );
    this.worker.on('failed', (job: Job<IngestJob> | undefined, err: Error) => {
      if (!job) return;
      if (!isFinalFailure(job, err)) {
        this.logger.warn({
          event: 'ingest.attempt_failed',
          itemId: job.data.itemId,
          jobId: job.id,
          attempt: job.attemptsMade,
          message: err.message,
        });
        return;
      }
      this.ingest
        .markFailed(job, err)
        .catch((e: Error) =>
          this.logger.error({ event: 'ingest.mark_failed_error', jobId: job.id, message: e.message }),
        );
    });
    this.worker.on('error', (err) => this.logger.warn({ event: 'ingest.worker_error', message: err.message }));
  }

  /**
   * SIGTERM: stop taking jobs and let the running ones finish. Runs before the shutdown hooks that
   * close the database (PrismaService disconnects in onApplicationShutdown), so a job can still commit.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
