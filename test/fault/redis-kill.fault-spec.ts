import { randomBytes } from 'node:crypto';
import {
  CreatorClient,
  expectConverged,
  type FaultPlatform,
  startFaultPlatform,
  stopFaultPlatform,
} from '../helpers/fault-platform';
import { Child, freePort, startRedis } from '../helpers/processes';
import type { PlatformProcess } from '../helpers/replicas';

/**
 * Fault: Redis is killed (SIGKILL) mid-flow and comes back empty (issue #12, defects 4 and 8). On
 * a redis-server of the test's own. Requests that need Redis answer 503 with the reason at once
 * (the final tus PATCH never hangs), each process logs the outage once when it starts and once
 * when it ends (structured lines, never ioredis's "Unhandled error event"), uploads resume
 * afterwards, and the worker's sweeper re-creates the jobs Redis lost.
 */
describe('fault: Redis killed and restarted empty', () => {
  let redis: Child;
  let redisPort: number;
  let { iso, api, worker } = {} as FaultPlatform;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    ({ iso, api, worker } = await startFaultPlatform('rkill', { REDIS_URL: `redis://127.0.0.1:${redisPort}` }));
  }, 240_000);
  afterAll(async () => {
    await stopFaultPlatform({ iso, api, worker });
    await redis?.stop();
  });

  const events = (proc: PlatformProcess, event: string) =>
    proc.lines.filter((l) => l.includes(`"event":"${event}"`)).length;

  it('answers 503 fast during the outage, logs it once, and converges once Redis is back', async () => {
    const creator = await CreatorClient.register(api.url);
    const { bundleId, itemIds } = await creator.bundleWith('Redis outage', [
      { path: 'film.bin' },
      { path: 'extra.bin', locked: false },
    ]);
    const [film, extra] = [randomBytes(3 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];

    // The worker is frozen, so the film's ingest job waits in Redis, which then dies with it.
    worker.child.kill('SIGSTOP');
    await creator.upload(bundleId, itemIds[0], film);
    const partial = await creator.createUpload(bundleId, itemIds[1], extra, 1024 * 1024);
    expect(partial.status).toBe(201);
    const location = partial.headers.get('location')!;

    await redis.stop('SIGKILL');
    worker.child.kill('SIGCONT');
    await api.proc.waitFor('"event":"redis.down"', 10_000);
    await worker.waitFor('"event":"redis.down"', 10_000);

    // The last bytes of the upload: a 503 with the reason at once, not a hang (it took 696 s once).
    const last = await creator.patchUpload(location, 1024 * 1024, extra.subarray(1024 * 1024), 10_000);
    expect(last.status).toBe(503);
    expect(last.text).toMatch(/Redis/);
    expect(last.ms).toBeLessThan(1_500);
    const publish = await creator.request('POST', `/v1/bundles/${bundleId}/publish`, { timeoutMs: 10_000 });
    expect(publish.status).toBe(503);
    expect(publish.ms).toBeLessThan(1_500);
    // Reading the catalog needs no Redis.
    expect((await creator.request('GET', '/v1/catalog', { timeoutMs: 10_000 })).status).toBe(200);
    // Some seconds of outage: ioredis retries many times meanwhile.
    await new Promise((r) => setTimeout(r, 2_000));

    redis = await startRedis(redisPort);
    await api.proc.waitFor('"event":"redis.up"', 20_000);
    await worker.waitFor('"event":"redis.up"', 20_000);

    // The upload kept its offset and resumes.
    const head = await creator.headUpload(location);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(1024 * 1024));
    const resumed = await creator.patchUpload(location, 1024 * 1024, extra.subarray(1024 * 1024));
    expect(resumed.status).toBe(204);

    // The film's job died with Redis: the sweeper re-creates it from the database.
    await expectConverged(iso, [bundleId], 30_000);
    expect(
      (await iso.prisma.item.findMany({ where: { bundleId }, orderBy: { position: 'asc' } })).map((i) => i.status),
    ).toEqual(['READY', 'READY']);
    expect(worker.lines.some((l) => l.includes('"event":"sweep.repaired"'))).toBe(true);
    expect((await creator.request('POST', `/v1/bundles/${bundleId}/publish`)).status).toBe(202);
    await expectConverged(iso, [bundleId], 30_000);
    expect((await iso.prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } })).status).toBe('PUBLISHED');

    for (const proc of [api.proc, worker]) {
      expect({ proc: proc.name, down: events(proc, 'redis.down'), up: events(proc, 'redis.up') }).toEqual({
        proc: proc.name,
        down: 1,
        up: 1,
      });
      // Never ioredis's "Unhandled error event" or BullMQ's bare stacks: every line is structured.
      expect({ proc: proc.name, unstructured: proc.lines.filter((l) => !l.startsWith('{')).slice(0, 8) }).toEqual({
        proc: proc.name,
        unstructured: [],
      });
    }
  });
});
