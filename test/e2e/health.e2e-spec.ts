import { getQueueToken } from '@nestjs/bullmq';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, Worker } from 'bullmq';
import request from 'supertest';
import type { App } from 'supertest/types';
import { QueueName, redisConnection } from '@keyseed/queues';
import { startTestApp } from '../helpers/test-app';

describe('health when Redis is unreachable (e2e)', () => {
  let app: NestExpressApplication;
  const realRedis = process.env.REDIS_URL;

  beforeAll(async () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:1'; // nothing listens on port 1
    app = await startTestApp();
  });
  afterAll(async () => {
    process.env.REDIS_URL = realRedis;
    await app.close();
  });

  it('answers 503 "down" naming Redis and the queues, with PostgreSQL still up', async () => {
    const res = await request(app.getHttpServer() as App)
      .get('/health')
      .expect(503);
    expect(res.body.status).toBe('down');
    expect(res.body.postgres).toEqual({ status: 'up' });
    expect(res.body.redis.status).toBe('down');
    expect(typeof res.body.redis.error).toBe('string');
    expect(res.body.queues.ingest.status).toBe('down');
  });
});

describe('health of the job queues and their workers (e2e)', () => {
  let app: NestExpressApplication;
  const realPrefix = process.env.REDIS_PREFIX;
  // A prefix of its own: no worker of another suite of this run may consume or count here.
  const prefix = `${realPrefix}_health`;
  const workers: Worker[] = [];

  beforeAll(async () => {
    process.env.REDIS_PREFIX = prefix;
    app = await startTestApp();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    process.env.REDIS_PREFIX = realPrefix;
    await app.close();
  });
  const health = () => request(app.getHttpServer()).get('/health');

  it('is 200 "degraded" while no worker consumes the queues, with the age of the oldest waiting job', async () => {
    const ingest = app.get<Queue>(getQueueToken(QueueName.Ingest));
    await ingest.add('ingest', { itemId: 'waiting-item' }, { timestamp: Date.now() - 90_000 });
    const res = await health().expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.postgres.status).toBe('up');
    expect(res.body.redis.status).toBe('up');
    expect(Object.keys(res.body.queues).sort()).toEqual(Object.values(QueueName).sort());
    expect(res.body.queues.ingest).toMatchObject({ status: 'up', waiting: 1, active: 0, workers: 0 });
    expect(res.body.queues.ingest.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
    expect(res.body.queues.publish).toMatchObject({ status: 'up', waiting: 0, workers: 0, oldestWaitingSeconds: null });
  });

  it('is 200 "ok" once a worker consumes every queue, and the waiting job is gone', async () => {
    const connection = redisConnection(process.env.REDIS_URL!);
    const done = new Promise<void>((resolve) => {
      for (const name of Object.values(QueueName)) {
        const worker = new Worker(name, async () => resolve(), { connection, prefix: `${prefix}:bull` });
        workers.push(worker);
      }
    });
    await done;
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const res = await health().expect(200);
    expect(res.body.status).toBe('ok');
    for (const name of Object.values(QueueName)) expect(res.body.queues[name].workers).toBeGreaterThanOrEqual(1);
    expect(res.body.queues.ingest).toMatchObject({ waiting: 0, oldestWaitingSeconds: null });
  });
});
