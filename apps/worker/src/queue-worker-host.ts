import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { isDatabaseUnavailable } from '@keyseed/database';
import { bullPrefix, JobPayloads, RedisAvailability, redisConnection, WorkQueue } from '@keyseed/queues';

/** What the host needs from a work queue's service (IngestService, PublishService). */
export interface JobProcessor<Q extends WorkQueue = WorkQueue> {
  readonly queue: Q;
  /** Jobs of this queue one worker process runs at once. */
  readonly concurrency: number;
  process(job: Job<JobPayloads[Q]>): Promise<unknown>;
  /** BullMQ will not run the job again: record the failure on its row (the reason the creator sees). */
  markFailed(job: Job<JobPayloads[Q]>, err: Error): Promise<void>;
}

export const JOB_PROCESSORS = Symbol('JOB_PROCESSORS');

/**
 * Runs of one job that found PostgreSQL unreachable and were put back without spending one of the
 * job's attempts, and the longest wait between two (with JOB_RETRY_DELAY_MS = 5 s: about an hour).
 */
const MAX_DATABASE_WAITS = 60;
const DATABASE_WAIT_MAX_MS = 60_000;

/** True when BullMQ will not run the job again after this failure. */
export function isFinalFailure(job: Job, err: Error): boolean {
  return (
    err.name === 'UnrecoverableError' ||
    job.attemptsMade >= (job.opts.attempts ?? 1) ||
    /stalled more than allowable limit/.test(err.message)
  );
}

/**
 * One BullMQ worker per work queue, on the deployment's Redis and key prefix, created at runtime so
 * concurrency and lock timing come from the validated config. Crash recovery: a job's lock is
 * renewed every JOB_LOCK_MS / 2; if the process dies, the lock expires and the stalled-job check
 * of any live worker (every JOB_LOCK_MS) moves the job back to waiting; a job that stalls more than
 * twice is failed. A job lost with Redis's data is re-created by the JobSweeper from the database.
 *
 * Shutdown (SIGTERM via enableShutdownHooks): the workers take no new job and wait for the running
 * ones, before the database closes (PrismaService disconnects in onApplicationShutdown).
 */
@Injectable()
export class QueueWorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(JOB_PROCESSORS) private readonly processors: JobProcessor[],
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly redis: RedisAvailability,
  ) {}

  onApplicationBootstrap(): void {
    for (const processor of this.processors) this.workers.push(this.start(processor));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private start<Q extends WorkQueue>(processor: JobProcessor<Q>): Worker<JobPayloads[Q]> {
    const { queue } = processor;
    const worker = new Worker<JobPayloads[Q]>(queue, (job, token) => this.run(processor, job, token), {
      connection: redisConnection(this.config.REDIS_URL),
      prefix: bullPrefix(this.config),
      concurrency: processor.concurrency,
      lockDuration: this.config.JOB_LOCK_MS,
      stalledInterval: this.config.JOB_LOCK_MS,
      maxStalledCount: 2,
    });
    worker.on('failed', (job: Job<JobPayloads[Q]> | undefined, err: Error) => {
      if (!job) return;
      if (!isFinalFailure(job, err)) {
        this.logger.warn({
          event: `${queue}.attempt_failed`,
          ...job.data,
          jobId: job.id,
          attempt: job.attemptsMade,
          message: err.message,
        });
        return;
      }
      processor
        .markFailed(job, err)
        .catch((e: Error) =>
          this.logger.error({ event: `${queue}.mark_failed_error`, jobId: job.id, message: e.message }),
        );
    });
    // Connection errors during an outage are RedisAvailability's to report (once).
    worker.on('error', (err) => {
      if (this.redis.isUp) this.logger.warn({ event: `${queue}.worker_error`, message: err.message });
    });
    return worker;
  }

  /**
   * A run that lost its database (failover, restart, a dropped connection) says nothing about the
   * job: it waits and runs again without spending an attempt, so an outage longer than the three
   * attempts' backoff leaves no item FAILED that a creator would have to upload again.
   */
  private async run<Q extends WorkQueue>(
    processor: JobProcessor<Q>,
    job: Job<JobPayloads[Q]>,
    token: string | undefined,
  ): Promise<unknown> {
    try {
      return await processor.process(job);
    } catch (err) {
      // attemptsStarted counts every run, attemptsMade only those that spent an attempt.
      const waits = job.attemptsStarted - job.attemptsMade - 1;
      if (!token || !isDatabaseUnavailable(err) || waits >= MAX_DATABASE_WAITS) throw err;
      const delay = Math.min(this.config.JOB_RETRY_DELAY_MS * 2 ** waits, DATABASE_WAIT_MAX_MS);
      this.logger.warn({
        event: `${processor.queue}.database_unavailable`,
        ...job.data,
        jobId: job.id,
        retryInMs: delay,
        message: (err as Error).message,
      });
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
  }
}
