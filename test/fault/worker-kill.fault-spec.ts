import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { waitFor } from '../helpers/ingest-fixtures';
import {
  CreatorClient,
  expectConverged,
  IsolatedEnv,
  isolatedEnv,
  startApi,
  startWorker,
  stopFaultPlatform,
} from '../helpers/fault-platform';
import { walk } from '../helpers/invariants';
import { holdRowLock, waitForLockWaiter } from '../helpers/processes';
import type { PlatformProcess } from '../helpers/replicas';

/**
 * Fault: the worker process (dist/, as deployed) is killed with SIGKILL in the middle of an ingest
 * and in the middle of a publish. Its job's lock expires after JOB_LOCK_MS (1 s here) and the
 * restarted worker's stalled-job check runs it again from the start; everything converges
 * (test/helpers/invariants.ts) with the same result a run without the crash gives.
 */
describe('fault: worker killed (SIGKILL) mid-ingest and mid-publish', () => {
  let iso: IsolatedEnv;
  let api: { proc: PlatformProcess; url: string };
  let worker: PlatformProcess | null = null;
  let creator: CreatorClient;
  /** Every bundle the suite made: the invariants hold for all of them (and every file is theirs). */
  const bundles: string[] = [];

  beforeAll(async () => {
    iso = await isolatedEnv('wkill');
    api = await startApi(iso.env);
    creator = await CreatorClient.register(api.url);
  }, 240_000);
  afterAll(async () => {
    await stopFaultPlatform({ iso, api, worker });
  });

  const kill = async (w: PlatformProcess) => {
    w.child.kill('SIGKILL');
    await w.exited;
  };

  it('an ingest cut off by kill -9 is run again by the restarted worker; the item ends READY with the whole file', async () => {
    const { bundleId, itemIds } = await creator.bundleWith('Killed ingest', [{ path: 'film.bin' }]);
    bundles.push(bundleId);
    const [itemId] = itemIds;
    worker = await startWorker(iso.env);
    let body: Buffer;
    // Freeze the worker the moment it has claimed the item, then kill it: the ingest is cut off
    // between its claim and its commit. (Should the commit win the race, upload again and retry.)
    for (let attempt = 0; ; attempt++) {
      body = randomBytes(16 * 1024 * 1024);
      await creator.upload(bundleId, itemId, body);
      await waitFor(
        'the item to be INGESTING',
        async () =>
          ['INGESTING', 'READY'].includes((await iso.prisma.item.findUniqueOrThrow({ where: { id: itemId } })).status),
        30_000,
      );
      worker.child.kill('SIGSTOP');
      const frozen = await iso.prisma.item.findUniqueOrThrow({ where: { id: itemId } });
      if (frozen.status === 'INGESTING') break;
      worker.child.kill('SIGCONT');
      if (attempt === 2) throw new Error('the ingest finished before the worker could be frozen, three times');
    }
    await kill(worker);

    worker = await startWorker(iso.env);
    const started = Date.now();
    await expectConverged(iso, bundles, 30_000);
    const item = await iso.prisma.item.findUniqueOrThrow({ where: { id: itemId } });
    expect(item.status).toBe('READY');
    expect(item.plaintextSha256).toBe(createHash('sha256').update(body).digest('hex'));
    // Stalled-job recovery: the lock of the dead worker's job expired and the job ran again.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a publish cut off by kill -9 after it dropped the plaintext is finished by the restarted worker', async () => {
    const { bundleId, itemIds } = await creator.bundleWith('Killed publish', [
      { path: 'film.bin' },
      { path: 'trailer.bin', locked: false },
    ]);
    bundles.push(bundleId);
    for (const id of itemIds) await creator.upload(bundleId, id, randomBytes(2 * 1024 * 1024));
    await waitFor(
      'both items READY',
      async () => (await iso.prisma.item.count({ where: { bundleId, status: 'READY' } })) === 2,
    );

    // The test holds one item's row, so the publish job runs past writing the torrent and dropping
    // the plaintext files and waits at recording that (uploadKey null): killed mid-publish, its
    // transaction rolled back with the connection, its plaintext files already gone.
    const lock = await holdRowLock(iso.databaseUrl, 'Item', itemIds[0]);
    const accepted = await creator.request('POST', `/v1/bundles/${bundleId}/publish`);
    expect(accepted.status).toBe(202);
    await waitForLockWaiter(iso.databaseUrl, 30_000);
    await kill(worker!);
    await lock.release();
    const cut = await iso.prisma.bundle.findUniqueOrThrow({ where: { id: bundleId }, include: { items: true } });
    expect(cut.status).toBe('PUBLISHING');
    const plaintext = walk(join(iso.dataDir, 'blobs', 'uploads')).filter(
      (f) => !f.dir && itemIds.some((id) => f.path.startsWith(id)),
    );
    expect(plaintext).toEqual([]);

    worker = await startWorker(iso.env);
    await expectConverged(iso, bundles, 30_000);
    const bundle = await iso.prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } });
    expect(bundle.status).toBe('PUBLISHED');
    const torrent = await fetch(`${api.url}/v1/catalog/${bundle.slug}/torrent`);
    expect(torrent.status).toBe(200);
  });
});
