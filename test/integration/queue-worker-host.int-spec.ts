import { Queue, type Job } from 'bullmq';
import type { KeyseedConfig } from '@keyseed/config';
import { bullPrefix, type IngestJob, QueueName, type RedisAvailability, redisConnection } from '@keyseed/queues';
import { type JobProcessor, QueueWorkerHost } from '../../apps/worker/src/queue-worker-host';

/**
 * The worker host against a real Redis: a job whose runs find PostgreSQL unreachable waits and runs
 * again without spending its attempts; any other error spends them as before.
 */
describe('QueueWorkerHost (integration)', () => {
  const config = {
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}_workerhost`,
    JOB_LOCK_MS: 30_000,
    JOB_RETRY_DELAY_MS: 100,
  } as KeyseedConfig;
  const redis = { isUp: true } as RedisAvailability;
  let queue: Queue<IngestJob>;
  let host: QueueWorkerHost | undefined;

  beforeAll(() => {
    queue = new Queue<IngestJob>(QueueName.Ingest, {
      connection: redisConnection(config.REDIS_URL),
      prefix: bullPrefix(config),
    });
  });
  afterEach(async () => {
    await host?.beforeApplicationShutdown();
    await queue.obliterate({ force: true });
  });
  afterAll(() => queue.close());

  /** A processor that throws `errors` in turn, then succeeds; it records what the host told it. */
  function processor(errors: Error[]) {
    const failed: string[] = [];
    let runs = 0;
    const p: JobProcessor<QueueName.Ingest> = {
      queue: QueueName.Ingest,
      concurrency: 1,
      process: () => {
        const err = errors[runs++];
        return err ? Promise.reject(err) : Promise.resolve('done');
      },
      markFailed: (_job: Job, err: Error) => {
        failed.push(err.message);
        return Promise.resolve();
      },
    };
    return { p, failed, runs: () => runs };
  }

  async function finish(job: Job<IngestJob>): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const state = await queue.getJobState(job.id!);
      if (state === 'completed' || state === 'failed') return state;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the job did not finish');
  }

  it('runs a job again after PostgreSQL dropped its connection, more times than it has attempts', async () => {
    const dropped = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const { p, failed, runs } = processor([dropped, dropped, dropped, dropped, dropped]);
    host = new QueueWorkerHost([p], config, redis);
    host.onApplicationBootstrap();
    const job = await queue.add(
      'ingest',
      { itemId: 'a', generation: 1 },
      { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
    );
    expect(await finish(job)).toBe('completed');
    expect(runs()).toBe(6);
    expect(failed).toEqual([]);
    const done = (await queue.getJob(job.id!))!;
    expect(done.attemptsMade).toBe(1);
  });

  it('spends attempts on any other error and records the final failure', async () => {
    const broken = new Error('the stored upload is not the declared size');
    const { p, failed, runs } = processor([broken, broken, broken]);
    host = new QueueWorkerHost([p], config, redis);
    host.onApplicationBootstrap();
    const job = await queue.add(
      'ingest',
      { itemId: 'b', generation: 1 },
      { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
    );
    expect(await finish(job)).toBe('failed');
    expect(runs()).toBe(3);
    for (let i = 0; i < 40 && !failed.length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(failed).toEqual(['the stored upload is not the declared size']);
  });
});
