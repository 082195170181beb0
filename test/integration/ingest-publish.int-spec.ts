import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { decryptPieceInPlace, derivePieceKeys, keyCheckValue, Keyring, unwrapContentKey } from '@keyseed/crypto';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule, PrismaService } from '@keyseed/database';
import { QueuesModule } from '@keyseed/queues';
import { KEYRING, KeyringModule } from '@keyseed/keyring';
import {
  BLOB_STORE,
  BlobStore,
  StorageModule,
  legacyTorrentKey,
  manifestKey,
  publishedKey,
  publishedPrefix,
  stagingPrefix,
  torrentKey,
} from '@keyseed/storage';
import { parseTorrent, PieceHasher } from '@keyseed/torrent';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { PublishService } from '../../apps/worker/src/publish/publish.service';
import { BackfillPieceRootsService } from '../../apps/worker/src/housekeeping/backfill-piece-roots.service';
import {
  completeUpload,
  createDraftBundle,
  enqueueIngest,
  enqueuePublish,
  waitFor,
  waitForItem,
} from '../helpers/ingest-fixtures';
import { useOwnDatabase } from '../helpers/fault-platform';
import { referencePieceRoot } from '../helpers/plaintext-piece-root';

const PYTHON = '/usr/bin/python3';
const INTEROP = join(__dirname, '..', 'interop');
const MiB = 1024 * 1024;
const ROOT = join(__dirname, '..', '..');

// Own Redis prefix and database: no other suite's API enqueues into the queues this worker consumes,
// and no other suite's worker sweeps this suite's items into its own queues (see ownDatabase).
process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX}_ingest`;
useOwnDatabase('ingest');
process.env.JOB_LOCK_MS = '2000';
process.env.INGEST_THREADS = '2';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Decrypts a published `.locked` file with the item's unwrapped content key. */
function decrypt(cipher: Buffer, ck: Buffer, pieceLength: number): Buffer {
  const out = Buffer.from(cipher);
  const pieces = Math.ceil(out.length / pieceLength);
  if (pieces === 0) return out;
  const keys = derivePieceKeys(ck, 0, pieces - 1);
  for (let i = 0; i < pieces; i++) {
    decryptPieceInPlace(
      keys.subarray(i * 32, i * 32 + 32),
      out.subarray(i * pieceLength, Math.min((i + 1) * pieceLength, out.length)),
    );
  }
  return out;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The worker app from sources in a child process (kill -9 target). */
function spawnWorkerChild(): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(join(ROOT, 'scripts/ts-register.js'))}); require(${JSON.stringify(join(ROOT, 'apps/worker/src/main.ts'))});`,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, INGEST_CONCURRENCY: '1', INGEST_THREADS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

/** Database, storage and queues without any worker: enqueues while only the child worker consumes. */
@Module({ imports: [ConfigModule, DatabaseModule, StorageModule, KeyringModule, QueuesModule.register()] })
class QueueToolsModule {}

/**
 * A worker child process (the only worker running) part-way through ingesting a 256 MiB locked
 * item; `ctx` gives the test queue and database access without a worker of its own.
 */
async function childMidIngest(path: string) {
  const child = spawnWorkerChild();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? `code ${code}`)));
  const ctx = await NestFactory.createApplicationContext(QueueToolsModule, { logger: false });
  try {
    const pieceLength = 1 * MiB;
    const bundle = await createDraftBundle(ctx, pieceLength);
    const body = randomBytes(256 * MiB);
    const item = await completeUpload(ctx, bundle.id, { path, locked: true, body });
    await enqueueIngest(ctx, item);
    const db = ctx.get(PrismaService);
    await waitFor(
      'the child worker to be part-way through the file',
      async () => {
        if (child.exitCode !== null) throw new Error(`worker child exited early: ${stderr}`);
        const row = await db.item.findUniqueOrThrow({ where: { id: item.id } });
        return row.status === 'INGESTING' && row.progress > 0 && row.progress < 0.9;
      },
      60_000,
    );
    return { child, exited, ctx, db, bundle, body, item, pieceLength };
  } catch (err) {
    child.kill('SIGKILL');
    await ctx.close();
    throw err;
  }
}

describe('ingest and publish (real PostgreSQL, Redis, worker)', () => {
  let app: INestApplicationContext;
  let prisma: PrismaService;
  let store: BlobStore;
  let keyring: Keyring;

  describe('graceful shutdown', () => {
    let child: ChildProcess | null = null;
    afterAll(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    // Runs first, while no in-process worker exists: the child is the only one that can take the job.
    it('a worker sent SIGTERM mid-file finishes the item, then exits on its own', async () => {
      const run = await childMidIngest('term.mkv');
      ({ child } = run);
      const { exited, ctx, db, body, item } = run;
      try {
        const signalledAt = new Date();
        child.kill('SIGTERM');
        const how = await Promise.race([
          exited,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('worker did not exit within 60 s of SIGTERM')), 60_000),
          ),
        ]);
        // Nest re-raises the signal once its shutdown hooks are done.
        expect(how).toBe('SIGTERM');
        const exitedAt = new Date();
        // No other worker runs here: the item is READY only because the terminating one finished it.
        const row = await db.item.findUniqueOrThrow({ where: { id: item.id } });
        expect([row.status, row.failureReason, row.plaintextSha256]).toEqual(['READY', null, sha256(body)]);
        expect(row.ingestedAt!.getTime()).toBeGreaterThanOrEqual(signalledAt.getTime());
        expect(row.ingestedAt!.getTime()).toBeLessThanOrEqual(exitedAt.getTime());
      } finally {
        await ctx.close();
      }
    }, 180_000);
  });

  describe('crash recovery', () => {
    let child: ChildProcess | null = null;
    afterAll(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    it('a worker killed with -9 mid-file loses the job to another worker, and the item ends READY with correct hashes', async () => {
      const run = await childMidIngest('big.mkv');
      ({ child } = run);
      const { exited, ctx, db, bundle, body, item, pieceLength } = run;
      try {
        child.kill('SIGKILL');
        await exited;
        expect((await db.item.findUniqueOrThrow({ where: { id: item.id } })).status).toBe('INGESTING');

        await startWorker();
        const ready = await waitForItem(app, item.id, ['READY', 'FAILED'], 90_000);
        expect(ready.failureReason).toBeNull();
        expect(ready.status).toBe('READY');

        const cipher = readFileSync(store.localPath(publishedKey(bundle.id, 'big.mkv.locked'))!);
        const hashes = new PieceHasher(pieceLength).update(cipher).digest();
        expect(Buffer.from(ready.pieceHashesV1!).equals(hashes.piecesV1)).toBe(true);
        expect(Buffer.from(ready.piecesRoot!).equals(hashes.piecesRoot!)).toBe(true);
        expect(Buffer.from(ready.pieceLayer!).equals(hashes.pieceLayer!)).toBe(true);
        const ck = unwrapContentKey(keyring, item.id, ready.wrappedKey!, ready.kekId!);
        expect(sha256(decrypt(cipher, ck, pieceLength))).toBe(sha256(body));
        expect(ready.plaintextSha256).toBe(sha256(body));
        expect(ready.plaintextPieceRoot).toBe(referencePieceRoot(body, pieceLength));
        // The killed attempt's staging file is gone (each attempt clears the item's staging area).
        const staging = store.localPath(stagingPrefix(item.id))!;
        expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  });

  /** The in-process worker; started by the crash test once its child is dead, else by the suite below. */
  async function startWorker(): Promise<void> {
    if (app) return;
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    prisma = app.get(PrismaService);
    store = app.get<BlobStore>(BLOB_STORE);
    keyring = app.get<Keyring>(KEYRING);
  }

  afterAll(async () => {
    await app?.close();
  });

  describe('with an in-process worker', () => {
    beforeAll(startWorker);

    it('ingests a locked film, a free trailer and a 1-byte extra, publishes, and libtorrent agrees on every hash', async () => {
      const pieceLength = 1 * MiB;
      const bundle = await createDraftBundle(app, pieceLength, 'Interop Film');
      const bodies = {
        'film.mkv': randomBytes(64 * MiB),
        'trailer.mp4': randomBytes(5 * MiB),
        'extras/one.bin': randomBytes(1),
      };
      const items = [
        await completeUpload(
          app,
          bundle.id,
          { path: 'film.mkv', locked: true, body: bodies['film.mkv'], previewPieces: 2 },
          0,
        ),
        await completeUpload(app, bundle.id, { path: 'trailer.mp4', locked: false, body: bodies['trailer.mp4'] }, 1),
        await completeUpload(
          app,
          bundle.id,
          { path: 'extras/one.bin', locked: true, body: bodies['extras/one.bin'] },
          2,
        ),
      ];
      for (const item of items) await enqueueIngest(app, item);
      for (const item of items) {
        const ready = await waitForItem(app, item.id, ['READY', 'FAILED']);
        expect([ready.status, ready.failureReason]).toEqual(['READY', null]);
        expect(ready.progress).toBe(1);
      }

      await enqueuePublish(app, bundle.id);
      const published = await waitFor('bundle PUBLISHED', async () => {
        const b = await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } });
        if (b.status === 'DRAFT') throw new Error(`publish failed (bundle back to DRAFT): ${b.publishFailureReason}`);
        return b.status === 'PUBLISHED' ? b : null;
      });
      expect(published.magnet).toContain(`xt=urn:btih:${published.infoHashV1}`);
      expect(published.magnet).toContain(`xt=urn:btmh:1220${published.infoHashV2}`);
      // Once published, the plaintext uploads are gone: only ciphertext and free files remain.
      for (const item of items) expect(await store.stat(item.uploadKey!)).toBeNull();
      expect((await prisma.item.findMany({ where: { bundleId: bundle.id } })).map((i) => i.uploadKey)).toEqual([
        null,
        null,
        null,
      ]);

      // The published folder, laid out as the torrent names it (<slug>/...), via hard links.
      const parent = mkdtempSync(join(tmpdir(), 'ks-ingest-lt-'));
      const publishedDir = store.localPath(publishedPrefix(bundle.id))!;
      const names = listFiles(publishedDir).sort();
      expect(names).toEqual(['extras/one.bin.locked', 'film.mkv.locked', 'keyseed.json', 'trailer.mp4']);
      for (const name of names) {
        const target = join(parent, bundle.slug, name);
        mkdirSync(dirname(target), { recursive: true });
        linkSync(join(publishedDir, name), target);
      }
      const ref = JSON.parse(
        execFileSync(PYTHON, [
          join(INTEROP, 'lt_create.py'),
          'hybrid',
          String(pieceLength),
          join(parent, bundle.slug),
          join(parent, 'lt.torrent'),
        ]).toString(),
      );
      expect({ v1: published.infoHashV1, v2: published.infoHashV2 }).toEqual({ v1: ref.v1, v2: ref.v2 });

      // libtorrent rechecks the published bytes against our torrents: every piece verifies.
      const ours = store.localPath(torrentKey(bundle.id, bundle.slug))!;
      execFileSync(PYTHON, [join(INTEROP, 'lt_recheck.py'), ours, parent, '60'], { cwd: INTEROP });
      // The v1 twin has no pad files (old clients write them to disk) and libtorrent verifies it too.
      const twin = store.localPath(legacyTorrentKey(bundle.id, bundle.slug))!;
      expect(parseTorrent(readFileSync(twin)).files.filter((f) => f.pad)).toEqual([]);
      execFileSync(PYTHON, [join(INTEROP, 'lt_recheck.py'), twin, parent, '60'], { cwd: INTEROP });

      const parsed = parseTorrent(readFileSync(ours));
      expect(parsed.name).toBe(bundle.slug);
      const top = readFileSync(ours).toString('latin1');
      for (const part of [
        '8:announce30:http://127.0.0.1:3000/announce',
        '8:url-listl30:http://127.0.0.1:3000/webseed/e',
        '10:created by7:Keyseed',
      ]) {
        expect([part, top.includes(part)]).toEqual([part, true]);
      }

      // keyseed.json describes every item; locked ones with their key-check value, no plaintext SHA-256.
      const manifest = JSON.parse(readFileSync(store.localPath(manifestKey(bundle.id))!, 'utf8'));
      expect(manifest).toMatchObject({
        formatVersion: 2,
        bundleId: bundle.id,
        slug: bundle.slug,
        title: 'Interop Film',
        apiBaseUrl: 'http://127.0.0.1:3000',
      });
      const kcv = async (path: string) => {
        const row = await prisma.item.findFirstOrThrow({ where: { bundleId: bundle.id, path } });
        return keyCheckValue(unwrapContentKey(keyring, row.id, row.wrappedKey!, row.kekId!));
      };
      expect(manifest.items).toEqual([
        {
          id: expect.any(String),
          path: 'film.mkv',
          torrentPath: 'film.mkv.locked',
          locked: true,
          size: 64 * MiB,
          kcvHex: await kcv('film.mkv'),
          previewPieces: 2,
        },
        {
          id: expect.any(String),
          path: 'trailer.mp4',
          torrentPath: 'trailer.mp4',
          locked: false,
          size: 5 * MiB,
          previewPieces: 0,
        },
        {
          id: expect.any(String),
          path: 'extras/one.bin',
          torrentPath: 'extras/one.bin.locked',
          locked: true,
          size: 1,
          kcvHex: await kcv('extras/one.bin'),
          previewPieces: 0,
        },
      ]);
      expect(JSON.stringify(manifest)).not.toContain(sha256(bodies['film.mkv']));

      // Unlocking: keys derived from the unwrapped CK give back the original bytes.
      for (const item of items) {
        const row = await prisma.item.findUniqueOrThrow({ where: { id: item.id } });
        const file = readFileSync(
          store.localPath(publishedKey(bundle.id, row.locked ? `${row.path}.locked` : row.path))!,
        );
        const plain = row.locked
          ? decrypt(file, unwrapContentKey(keyring, row.id, row.wrappedKey!, row.kekId!), pieceLength)
          : file;
        expect(sha256(plain)).toBe(sha256(bodies[row.path as keyof typeof bodies]));
        // A 1-byte ciphertext equals its plaintext once in 256 runs: only longer files must differ.
        if (row.locked && file.length > 16) expect(file.equals(bodies[row.path as keyof typeof bodies])).toBe(false);
      }

      // Idempotent: publishing again gives byte-identical torrents and the same info-hashes.
      const before = readFileSync(ours);
      await prisma.bundle.update({ where: { id: bundle.id }, data: { status: 'PUBLISHING' } });
      const again = await app
        .get(PublishService)
        .process({ data: { bundleId: bundle.id }, timestamp: Date.now(), id: 'rerun' } as never);
      expect(again).toMatchObject({
        status: 'PUBLISHED',
        infoHashV1: published.infoHashV1,
        infoHashV2: published.infoHashV2,
        infoHashV1Legacy: published.infoHashV1Legacy,
      });
      expect(readFileSync(ours).equals(before)).toBe(true);
    }, 180_000);

    it('puts a bundle whose publish fails back to DRAFT with the reason for the creator, cleared by the next publish', async () => {
      const bundle = await createDraftBundle(app, 64 * 1024, 'Not ready');
      const item = await completeUpload(app, bundle.id, { path: 'late.mkv', locked: true, body: randomBytes(1000) });
      await enqueuePublish(app, bundle.id); // the item was never ingested: not READY
      const failed = await waitFor('bundle back to DRAFT', async () => {
        const b = await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } });
        return b.status === 'DRAFT' ? b : null;
      });
      expect(failed.publishFailureReason).toMatch(/not ready: late\.mkv \(QUEUED\)/);

      await enqueueIngest(app, item);
      await waitForItem(app, item.id, ['READY']);
      await enqueuePublish(app, bundle.id);
      const published = await waitFor('bundle PUBLISHED', async () => {
        const b = await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } });
        return b.status === 'PUBLISHED' ? b : null;
      });
      expect(published.publishFailureReason).toBeNull();
    });

    it('ingests a 0-byte locked item', async () => {
      const bundle = await createDraftBundle(app, 16384);
      const item = await completeUpload(app, bundle.id, { path: 'empty.bin', locked: true, body: Buffer.alloc(0) });
      await enqueueIngest(app, item);
      const ready = await waitForItem(app, item.id, ['READY', 'FAILED']);
      expect([ready.status, ready.failureReason]).toEqual(['READY', null]);
      expect(ready.size).toBe(0n);
      expect(ready.plaintextSha256).toBe(sha256(Buffer.alloc(0)));
      expect(Buffer.from(ready.pieceHashesV1!).length).toBe(0);
      expect(ready.piecesRoot).toBeNull();
      expect((await store.stat(publishedKey(bundle.id, 'empty.bin.locked')))?.size).toBe(0);
    });

    it('gives items ingested before the plaintext piece root their root from the stored ciphertext, never one that does not decrypt to their plaintext', async () => {
      const pieceLength = 65536;
      const bundle = await createDraftBundle(app, pieceLength);
      const bodies = [randomBytes(2 * pieceLength + 1000), randomBytes(pieceLength)];
      const items = [
        await completeUpload(app, bundle.id, { path: 'old.mkv', locked: true, body: bodies[0] }, 0),
        await completeUpload(app, bundle.id, { path: 'bad.mkv', locked: true, body: bodies[1] }, 1),
      ];
      for (const item of items) await enqueueIngest(app, item);
      for (const item of items) expect((await waitForItem(app, item.id, ['READY', 'FAILED'])).status).toBe('READY');
      // As before the column existed; the second item's ciphertext no longer matches its recorded hash.
      await prisma.item.updateMany({ where: { bundleId: bundle.id }, data: { plaintextPieceRoot: null } });
      await prisma.item.update({ where: { id: items[1].id }, data: { plaintextSha256: sha256(Buffer.from('other')) } });
      const backfill = app.get(BackfillPieceRootsService);
      const rootOf = async (id: string) => (await prisma.item.findUniqueOrThrow({ where: { id } })).plaintextPieceRoot;

      expect(await backfill.run()).toEqual({ filled: 1, mismatched: 1, changed: 0 });
      expect(await rootOf(items[0].id)).toBe(referencePieceRoot(bodies[0], pieceLength));
      expect(await rootOf(items[1].id)).toBeNull();

      await prisma.item.update({ where: { id: items[1].id }, data: { plaintextSha256: sha256(bodies[1]) } });
      expect(await backfill.run()).toEqual({ filled: 1, mismatched: 0, changed: 0 });
      expect(await rootOf(items[1].id)).toBe(referencePieceRoot(bodies[1], pieceLength));
      expect(await backfill.run()).toEqual({ filled: 0, mismatched: 0, changed: 0 });
    });

    it('marks an item whose upload was deleted before ingest FAILED with a reason the creator can act on', async () => {
      const bundle = await createDraftBundle(app, 16384);
      const item = await completeUpload(app, bundle.id, { path: 'gone.mkv', locked: true, body: randomBytes(1000) });
      await store.delete(item.uploadKey!);
      await enqueueIngest(app, item);
      const failed = await waitForItem(app, item.id, ['READY', 'FAILED']);
      expect(failed.status).toBe('FAILED');
      expect(failed.failureReason).toBe(
        'upload missing: the stored upload was deleted before ingest; upload the file again',
      );
    });

    it('never reuses a content key: ingesting the same bytes again draws a new key and writes different ciphertext', async () => {
      const bundle = await createDraftBundle(app, 65536);
      const body = randomBytes(300_000);
      const first = await completeUpload(app, bundle.id, { path: 'twice.mkv', locked: true, body });
      await enqueueIngest(app, first);
      const one = await waitForItem(app, first.id, ['READY', 'FAILED']);
      const cipherOne = readFileSync(store.localPath(publishedKey(bundle.id, 'twice.mkv.locked'))!);

      const second = await completeUpload(app, bundle.id, { path: 'twice.mkv', locked: true, body });
      expect(second.ingestGeneration).toBe(2);
      await enqueueIngest(app, second);
      const two = await waitForItem(app, first.id, ['READY', 'FAILED']);
      const cipherTwo = readFileSync(store.localPath(publishedKey(bundle.id, 'twice.mkv.locked'))!);

      expect(two.status).toBe('READY');
      const ckOne = unwrapContentKey(keyring, first.id, one.wrappedKey!, one.kekId!);
      const ckTwo = unwrapContentKey(keyring, first.id, two.wrappedKey!, two.kekId!);
      expect(ckOne.equals(ckTwo)).toBe(false);
      expect(Buffer.from(one.wrappedKey!).equals(Buffer.from(two.wrappedKey!))).toBe(false);
      expect(cipherOne.equals(cipherTwo)).toBe(false);
      expect(Buffer.from(one.pieceHashesV1!).equals(Buffer.from(two.pieceHashesV1!))).toBe(false);
      expect(one.plaintextSha256).toBe(two.plaintextSha256);
      expect(sha256(decrypt(cipherTwo, ckTwo, 65536))).toBe(sha256(body));
    });
  });
});
