import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import type { App } from 'supertest/types';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import type { Keyring } from '@keyseed/crypto';
import { PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { TrackerWhitelist } from '@keyseed/opentracker';
import { JobQueues, PublishJob, QueueName, redisConnection } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, itemPublishedKey, TusUploadFiles } from '@keyseed/storage';
import { PieceHasher } from '@keyseed/torrent';
import { PublishService } from '../../apps/worker/src/publish/publish.service';
import { walk } from '../helpers/invariants';
import { holdRowLock, waitForLockWaiter } from '../helpers/processes';
import { registerUser, startTestApp, TestUser } from '../helpers/test-app';
import { tusMetadata } from '../helpers/tus';

/**
 * Regression tests of issue #12's defects that need only the API (the worker-side ones and the
 * faults are in test/fault): private files, deletions that leave nothing, publish against a
 * finishing upload, renames after ingest, Upgrade offers, junk tokens on public routes.
 */
const MiB = 1024 * 1024;
const PIECE = 16 * 1024;
const TUS = { 'Tus-Resumable': '1.0.0' };
const ENV = { MAX_UPLOAD_BYTES: String(2 * MiB), CREATOR_QUOTA_BYTES: String(3 * MiB) };

describe('hardening (e2e): files, deletions, races, renames, protocol edges', () => {
  let app: NestExpressApplication;
  let http: App;
  let base: string;
  let prisma: PrismaService;
  let store: BlobStore;
  let dataDir: string;
  let creator: TestUser;
  let umask: number;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // A data directory of our own, made world-readable, and the usual permissive umask: the
    // platform must still keep everything it writes to itself.
    dataDir = mkdtempSync(join(tmpdir(), 'ks-hardening-'));
    chmodSync(dataDir, 0o755);
    umask = process.umask(0o022);
    for (const [k, v] of Object.entries({ ...ENV, DATA_DIR: dataDir })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    app = await startTestApp();
    await app.listen(0, '127.0.0.1');
    http = app.getHttpServer();
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    prisma = app.get(PrismaService);
    store = app.get<BlobStore>(BLOB_STORE);
    creator = await registerUser(app, ['CREATOR'], 'Hardening Films');
  });
  afterAll(async () => {
    await app?.close();
    process.umask(umask);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function draft(paths: string[]) {
    const bundle = (await request(http).post('/v1/bundles').set(creator.auth).send({ title: 'Hardening' }).expect(201))
      .body as { id: string; slug: string };
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(creator.auth)
        .send({ items: paths.map((path) => ({ path })) })
        .expect(201)
    ).body.items as Array<{ id: string; path: string }>;
    return { bundle, items };
  }

  /** tus creation with `body` as its first (possibly only) bytes. */
  const createUpload = (bundleId: string, itemId: string, length: number, body: Buffer) =>
    request(http)
      .post('/v1/uploads')
      .set(creator.auth)
      .set(TUS)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', tusMetadata({ bundleId, itemId }))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(body);

  /** What ingest leaves: item READY with the hashes of `cipher`, which is stored as its published file. */
  async function markIngested(bundleId: string, itemId: string, cipher: Buffer) {
    const item = await prisma.item.findUniqueOrThrow({ where: { id: itemId } });
    await store.put(itemPublishedKey(bundleId, item), cipher);
    const h = new PieceHasher(PIECE).update(cipher).digest();
    await prisma.bundle.update({ where: { id: bundleId }, data: { pieceLength: PIECE } });
    await prisma.item.update({
      where: { id: itemId },
      data: {
        status: 'READY',
        size: cipher.length,
        uploadKey: null,
        pieceHashesV1: new Uint8Array(h.piecesV1),
        piecesRoot: h.piecesRoot ? new Uint8Array(h.piecesRoot) : null,
        pieceLayer: h.pieceLayer ? new Uint8Array(h.pieceLayer) : null,
      },
    });
  }

  const filesOf = (id: string) => walk(dataDir).filter((f) => !f.dir && f.path.includes(id));

  it('keeps every file and directory under DATA_DIR private (0600 / 0700) whatever the umask', async () => {
    const { bundle, items } = await draft(['private/film.bin', 'private/partial.bin']);
    await createUpload(bundle.id, items[0].id, 4096, randomBytes(4096)).expect(201);
    await createUpload(bundle.id, items[1].id, 8192, randomBytes(1000)).expect(201);
    const tree = walk(dataDir);
    expect(tree.some((f) => f.path.startsWith('blobs/uploads/'))).toBe(true); // the completed upload
    expect(tree.some((f) => f.path.startsWith('uploads/') && !f.dir)).toBe(true); // the partial one
    expect(tree.filter((f) => f.mode !== (f.dir ? 0o700 : 0o600))).toEqual([]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('deleting an item, an upload in progress or a bundle removes every stored byte, so the quota holds what is stored', async () => {
    // Six 1 MiB uploads under a 3 MiB quota: each is accepted because the previous one was deleted,
    // and nothing of the deleted ones stays on disk.
    for (let round = 0; round < 6; round++) {
      const { bundle, items } = await draft([`round-${round}.bin`]);
      await createUpload(bundle.id, items[0].id, MiB, randomBytes(MiB)).expect(201);
      await markIngested(bundle.id, items[0].id, randomBytes(MiB));
      expect(filesOf(items[0].id).length + filesOf(bundle.id).length).toBeGreaterThan(0);
      await request(http).delete(`/v1/bundles/${bundle.id}/items/${items[0].id}`).set(creator.auth).expect(204);
      expect(filesOf(items[0].id)).toEqual([]);
      expect(walk(dataDir).filter((f) => f.path.includes(`${bundle.id}/round-`))).toEqual([]);
    }
    const { bundle, items } = await draft(['a.bin', 'b.bin']);
    await createUpload(bundle.id, items[0].id, MiB, randomBytes(MiB)).expect(201);
    const partial = await createUpload(bundle.id, items[1].id, MiB, randomBytes(1000)).expect(201);
    const uploadId = String(partial.headers.location).split('/').pop()!;
    await request(http).delete(`/v1/bundles/${bundle.id}`).set(creator.auth).expect(204);
    expect([...filesOf(items[0].id), ...filesOf(items[1].id), ...filesOf(uploadId), ...filesOf(bundle.id)]).toEqual([]);
    const stored = walk(dataDir)
      .filter((f) => !f.dir && !f.path.endsWith('.json'))
      .reduce((n, f) => n + f.size, 0);
    expect(stored).toBeLessThanOrEqual(3 * MiB);
  });

  it('an upload finishing while publish takes the bundle gets a 409, and the bundle keeps only READY items', async () => {
    const { bundle, items } = await draft(['race.bin']);
    await createUpload(bundle.id, items[0].id, 4096, randomBytes(4096)).expect(201);
    await markIngested(bundle.id, items[0].id, randomBytes(4096));
    // The replacement's bytes arrive while publish holds the bundle row; publish commits first.
    const replacement = await createUpload(bundle.id, items[0].id, 4096, Buffer.alloc(0)).expect(201);
    const url = new URL(String(replacement.headers.location), base).pathname;
    const lock = await holdRowLock(process.env.DATABASE_URL!, 'Bundle', bundle.id);
    const patch = request(http)
      .patch(url)
      .set(creator.auth)
      .set(TUS)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(randomBytes(4096))
      .then((r) => r);
    await waitForLockWaiter(process.env.DATABASE_URL!);
    await lock.release({ text: `UPDATE "Bundle" SET status = 'PUBLISHING' WHERE id = $1::uuid`, values: [bundle.id] });
    const res = await patch;
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/is PUBLISHING/);
    const item = await prisma.item.findUniqueOrThrow({ where: { id: items[0].id } });
    expect([item.status, item.ingestGeneration]).toEqual(['READY', 1]);
    expect(await store.stat(`uploads/${item.id}/2`)).toBeNull();
  });

  it('a publish after a failed one leaves no earlier failure for the sweeper to read as the new attempt’s', async () => {
    const { bundle, items } = await draft(['again.bin']);
    await createUpload(bundle.id, items[0].id, 4096, randomBytes(4096)).expect(201);
    await markIngested(bundle.id, items[0].id, randomBytes(4096));
    // The earlier attempt: its job failed for good and the bundle went back to DRAFT.
    const publishQueue = app.get<Queue<PublishJob>>(getQueueToken(QueueName.Publish));
    const jobs = app.get(JobQueues);
    await jobs.enqueue(QueueName.Publish, { bundleId: bundle.id });
    const failing = new Worker<PublishJob>(
      QueueName.Publish,
      () => Promise.reject(new UnrecoverableError('earlier attempt')),
      { connection: redisConnection(process.env.REDIS_URL!), prefix: publishQueue.opts.prefix },
    );
    // Another test's publish job may still be waiting in the queue: wait for this bundle's own.
    const id = jobs.idOf(QueueName.Publish, { bundleId: bundle.id });
    await new Promise<void>((resolve) => failing.on('failed', (job) => job?.id === id && resolve()));
    await failing.close();
    expect(await (await jobs.find(QueueName.Publish, { bundleId: bundle.id }))?.getState()).toBe('failed');
    await prisma.bundle.update({
      where: { id: bundle.id },
      data: { status: 'DRAFT', publishFailureReason: 'earlier' },
    });

    // The next publish commits PUBLISHING and its enqueue has not reached Redis yet (deferred here,
    // as on a Redis hiccup): the job id the sweeper reads must not hold the earlier failure.
    const enqueue = jest.spyOn(jobs, 'enqueue').mockRejectedValueOnce(new Error('not yet'));
    try {
      await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(creator.auth).send({}).expect(202);
    } finally {
      enqueue.mockRestore();
    }
    expect((await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } })).status).toBe('PUBLISHING');
    expect(await jobs.find(QueueName.Publish, { bundleId: bundle.id })).toBeUndefined();
  });

  it('a rename after ingest moves the ciphertext with the item; publish refuses a file that is not the item’s own', async () => {
    const { bundle, items } = await draft(['one.bin', 'two.bin']);
    const [one, two] = [randomBytes(3 * PIECE + 5), randomBytes(2 * PIECE + 7)];
    await markIngested(bundle.id, items[0].id, one);
    await markIngested(bundle.id, items[1].id, two);
    const rename = (id: string, path: string) =>
      request(http).patch(`/v1/bundles/${bundle.id}/items/${id}`).set(creator.auth).send({ path }).expect(200);
    // Swap the names: each file must follow its item.
    await rename(items[0].id, 'tmp.bin');
    await rename(items[1].id, 'one.bin');
    await rename(items[0].id, 'two.bin');
    const read = async (path: string) => {
      const chunks: Buffer[] = [];
      for await (const c of store.read(itemPublishedKey(bundle.id, { path, locked: true }))) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    expect((await read('two.bin')).equals(one)).toBe(true);
    expect((await read('one.bin')).equals(two)).toBe(true);
    expect(await store.stat(itemPublishedKey(bundle.id, { path: 'tmp.bin', locked: true }))).toBeNull();

    // A stored file that is another item's (same size, other bytes) is caught before the bundle goes live.
    await store.put(itemPublishedKey(bundle.id, { path: 'one.bin', locked: true }), randomBytes(two.length));
    await prisma.bundle.update({ where: { id: bundle.id }, data: { status: 'PUBLISHING' } });
    const publisher = new PublishService(
      prisma,
      store,
      app.get<KeyseedConfig>(KEYSEED_CONFIG),
      app.get(TusUploadFiles),
      app.get<Keyring>(KEYRING),
      app.get(TrackerWhitelist),
    );
    const job = { data: { bundleId: bundle.id }, timestamp: Date.now() } as Job<PublishJob>;
    await expect(publisher.process(job)).rejects.toThrow(/one\.bin does not match its ingest/);
  });

  it('a rename while a replacement upload waits for ingest moves the previous ciphertext too (no file left under the old name)', async () => {
    const { bundle, items } = await draft(['film.bin']);
    await markIngested(bundle.id, items[0].id, randomBytes(2 * PIECE));
    const replacement = randomBytes(PIECE + 3);
    await createUpload(bundle.id, items[0].id, replacement.length, replacement).expect(201);
    expect((await prisma.item.findUniqueOrThrow({ where: { id: items[0].id } })).status).toBe('QUEUED');
    await request(http)
      .patch(`/v1/bundles/${bundle.id}/items/${items[0].id}`)
      .set(creator.auth)
      .send({ path: 'renamed.bin' })
      .expect(200);
    expect(await store.stat(itemPublishedKey(bundle.id, { path: 'film.bin', locked: true }))).toBeNull();
    expect(await store.stat(itemPublishedKey(bundle.id, { path: 'renamed.bin', locked: true }))).toMatchObject({
      size: 2 * PIECE,
    });
  });

  it('answers requests that offer an Upgrade outside the tracker’s WebSocket (curl --http2) normally', async () => {
    const curl = promisify(execFile);
    const plain = await curl('curl', ['--http2', '-sS', '-w', '\n%{http_code}', `${base}/v1/catalog`]);
    expect(plain.stdout.trim().split('\n').pop()).toBe('200');
    expect(JSON.parse(plain.stdout.trim().split('\n').slice(0, -1).join('\n'))).toEqual(expect.any(Object));
    const withBody = await curl('curl', [
      '-sS',
      '-w',
      '\n%{http_code}',
      '-H',
      'Connection: Upgrade',
      '-H',
      'Upgrade: h2c',
      '-H',
      'Content-Type: application/json',
      '--data',
      JSON.stringify({ email: creator.email, password: 'correct horse battery staple' }),
      `${base}/v1/auth/login`,
    ]);
    expect(withBody.stdout.trim().split('\n').pop()).toBe('200');
  });

  it('ignores a junk or stale bearer token on public routes (catalog, webseed, tracker, Stripe webhook)', async () => {
    for (const auth of ['Bearer junk', 'Basic Zm9vOmJhcg==', `Bearer ${randomBytes(24).toString('base64url')}`]) {
      await request(http).get('/v1/catalog').set('Authorization', auth).expect(200);
      await request(http).get('/webseed/no-such-bundle/file.bin').set('Authorization', auth).expect(404);
      const announce = await request(http)
        .get('/announce?info_hash=%00%01&peer_id=-KS0001-000000000000&port=6881')
        .set('Authorization', auth);
      expect(announce.status).toBe(200);
      const hook = await request(http)
        .post('/v1/stripe/webhook')
        .set('Authorization', auth)
        .set('Content-Type', 'application/json')
        .send('{}');
      expect(hook.status).toBe(400);
    }
    // Routes that need an account still refuse the junk.
    await request(http).get('/v1/bundles').set('Authorization', 'Bearer junk').expect(401);
  });
});
