import { Job, Worker } from 'bullmq';
import type { KeyseedConfig } from '@keyseed/config';
import { QueueName, redisConnection } from '@keyseed/queues';

/**
 * A BullMQ worker on the deployment's Redis and key prefix (the same as QueuesModule's queues),
 * created at runtime so that concurrency and lock timing come from the validated config — the
 * static `@Processor()` options cannot. Crash recovery: the job lock is renewed every
 * JOB_LOCK_MS / 2 by this process; if the process dies, the lock expires and the stalled-job
 * check of any live worker (every JOB_LOCK_MS) moves the job back to waiting. A job that stalls
 * more than twice is failed.
 */
export function createQueueWorker<T>(
  config: KeyseedConfig,
  name: QueueName,
  processor: (job: Job<T>, token?: string) => Promise<unknown>,
  concurrency: number,
): Worker<T> {
  return new Worker<T>(name, processor, {
    connection: redisConnection(config.REDIS_URL),
    prefix: `${config.REDIS_PREFIX}:bull`,
    concurrency,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_LOCK_MS,
    maxStalledCount: 2,
  });
}

/** True when BullMQ will not run the job again after this failure. */
export function isFinalFailure(job: Job, err: Error): boolean {
  return (
    err.name === 'UnrecoverableError' ||
    job.attemptsMade >= (job.opts.attempts ?? 1) ||
    /stalled more than allowable limit/.test(err.message)
  );
}
