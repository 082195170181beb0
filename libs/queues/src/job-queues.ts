import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import {
  IngestJob,
  jobId,
  JobPayloads,
  MailJob,
  mailJobOptions,
  PublishJob,
  QueueName,
  WorkQueue,
  workJobOptions,
} from './queues';
import { RedisAvailability, RedisUnavailableError } from './redis-availability';

/** How long an enqueue may wait for Redis before the caller is told it is unavailable. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * The one way jobs of the work queues are created, by the API and by the worker's sweeper alike:
 * the job id comes from the payload (`jobId`), the retry policy from `workJobOptions` (`mailJobOptions`
 * for e-mail).
 */
@Injectable()
export class JobQueues {
  constructor(
    @InjectQueue(QueueName.Ingest) private readonly ingest: Queue<IngestJob>,
    @InjectQueue(QueueName.Publish) private readonly publish: Queue<PublishJob>,
    @InjectQueue(QueueName.Mail) private readonly mail: Queue<MailJob>,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly redis: RedisAvailability,
  ) {}

  /**
   * Makes sure a job exists for `data` and returns its id. A waiting, delayed or running job with
   * that id is kept (duplicates collapse); a finished one (completed or failed) would swallow the
   * add, so it is removed first: the caller's database state says the work is due again.
   * Fails fast with a 503 (RedisUnavailableError) when Redis is down or does not answer in time.
   */
  async enqueue<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): Promise<string> {
    return this.onRedis(queue, () => this.add(queue, data));
  }

  /**
   * Removes a finished (completed or failed) job recorded under `data`'s id; a waiting or running one
   * is kept. Called before the database says the work is due again (a bundle's next publish), so the
   * sweeper, which reads a failed job as the failure of the attempt the database records, never
   * takes an earlier attempt's failure for the new one's. 503 (RedisUnavailableError) like `enqueue`.
   */
  async discardFinished<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): Promise<void> {
    await this.onRedis(queue, () => this.removeIfFinished(queue, data));
  }

  /** Runs `work` on the queues' Redis: at once a 503 while Redis is down, after ENQUEUE_TIMEOUT_MS if it does not answer. */
  private onRedis<T>(queue: WorkQueue, work: () => Promise<T>): Promise<T> {
    this.redis.assertUp(`queueing ${queue} work`);
    return withTimeout(
      work(),
      ENQUEUE_TIMEOUT_MS,
      () => new RedisUnavailableError(`queueing ${queue} work`, 'no answer'),
    );
  }

  /** The job currently recorded under `data`'s id, if any. */
  async find<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): Promise<Job<JobPayloads[Q]> | undefined> {
    return (await this.queueOf(queue).getJob(this.idOf(queue, data))) as Job<JobPayloads[Q]> | undefined;
  }

  idOf<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): string {
    if (queue === QueueName.Ingest) return jobId.ingest(data as IngestJob);
    if (queue === QueueName.Mail) return jobId.mail(data as MailJob);
    return jobId.publish(data as PublishJob);
  }

  private async add<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): Promise<string> {
    const id = this.idOf(queue, data);
    if (!(await this.removeIfFinished(queue, data))) return id;
    const retries =
      queue === QueueName.Mail
        ? mailJobOptions(this.config.MAIL_RETRY_DELAY_MS)
        : workJobOptions(this.config.JOB_RETRY_DELAY_MS);
    await this.queueOf(queue).add(queue, data, { jobId: id, ...retries });
    return id;
  }

  /** False while a job under `data`'s id is waiting, delayed or running; a finished one is removed. */
  private async removeIfFinished<Q extends WorkQueue>(queue: Q, data: JobPayloads[Q]): Promise<boolean> {
    const previous = await this.queueOf(queue).getJob(this.idOf(queue, data));
    if (!previous) return true;
    const state = await previous.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    await previous.remove();
    return true;
  }

  private queueOf(queue: WorkQueue): Queue {
    if (queue === QueueName.Ingest) return this.ingest;
    return queue === QueueName.Mail ? this.mail : this.publish;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
