import type { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { QueueName } from '@keyseed/queues';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { IsolatedEnv, isolatedEnv } from '../helpers/fault-platform';
import { converged } from '../helpers/invariants';
import { flushRedisPrefix } from '../helpers/processes';
import { registerUser, startTestApp } from '../helpers/test-app';
import { tusMetadata } from '../helpers/tus';

/**
 * Fault: Redis loses its data mid-flow (issue #12, defect 4). The database is the truth: the
 * worker's sweeper re-creates the lost ingest and publish jobs under their stable ids and the
 * housekeeping schedules, and everything converges (test/helpers/invariants.ts).
 */
describe('fault: Redis emptied mid-flow', () => {
  let iso: IsolatedEnv;
  let app: NestExpressApplication;
  let worker: INestApplicationContext | null = null;
  let http: App;
  let prisma: PrismaService;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // In-process API and worker on a database of their own (the sweeper scans its whole database).
    iso = await isolatedEnv('flush', { SWEEP_INTERVAL_MS: '300', JOB_LOCK_MS: '2000', LOG_LEVEL: 'silent' });
    for (const [k, v] of Object.entries(iso.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    app = await startTestApp();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
  }, 240_000);
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await iso?.cleanup();
  });

  const startWorker = async () => {
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = null;
  };

  it('re-enqueues lost ingest and publish jobs and re-creates the repeating jobs', async () => {
    const creator = await registerUser(app, ['CREATOR']);
    const bundle = (await request(http).post('/v1/bundles').set(creator.auth).send({ title: 'Flush' }).expect(201))
      .body as { id: string };
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(creator.auth)
        .send({ items: [{ path: 'film.bin' }, { path: 'trailer.bin', locked: false }] })
        .expect(201)
    ).body.items as Array<{ id: string }>;
    for (const item of items) {
      const body = randomBytes(200_000);
      await request(http)
        .post('/v1/uploads')
        .set(creator.auth)
        .set({ 'Tus-Resumable': '1.0.0', 'Upload-Length': String(body.length) })
        .set('Upload-Metadata', tusMetadata({ bundleId: bundle.id, itemId: item.id }))
        .set('Content-Type', 'application/offset+octet-stream')
        .send(body)
        .expect(201);
    }
    const scope = iso.scope([bundle.id]);

    // No worker yet: the ingest jobs wait in Redis, which now loses them.
    expect((await prisma.item.findMany({ where: { bundleId: bundle.id } })).map((i) => i.status)).toEqual([
      'QUEUED',
      'QUEUED',
    ]);
    flushRedisPrefix(iso.env.REDIS_URL, iso.env.REDIS_PREFIX);
    await startWorker();
    expect(await converged(prisma, scope, 60_000)).toEqual([]);
    expect((await prisma.item.findMany({ where: { bundleId: bundle.id } })).map((i) => i.status)).toEqual([
      'READY',
      'READY',
    ]);

    // The worker stops; publish is accepted (PUBLISHING) and its job is lost with Redis's data too.
    await stopWorker();
    await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(creator.auth).expect(202);
    flushRedisPrefix(iso.env.REDIS_URL, iso.env.REDIS_PREFIX);
    await startWorker();
    expect(await converged(prisma, scope, 60_000)).toEqual([]);
    expect((await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } })).status).toBe('PUBLISHED');

    // The schedules vanish while the worker runs: the sweeper puts them back.
    const housekeeping = worker!.get<Queue>(getQueueToken(QueueName.Housekeeping));
    flushRedisPrefix(iso.env.REDIS_URL, iso.env.REDIS_PREFIX);
    const deadline = Date.now() + 10_000;
    while (!(
      (await housekeeping.getJobScheduler('reconcile-orders')) && (await housekeeping.getJobScheduler('expire-uploads'))
    )) {
      if (Date.now() > deadline) throw new Error('housekeeping schedules were not re-created within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
