import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { PrismaService } from '@keyseed/database';
import { BLOB_STORE, BlobStore, itemPublishedKey, manifestKey, torrentKey } from '@keyseed/storage';
import { announcedInfoHashes, bdecode, parseTorrent } from '@keyseed/torrent';
import { ModerationService } from '../../apps/api/src/admin/moderation.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import {
  completeUpload,
  createDraftBundle,
  enqueueIngest,
  enqueuePublish,
  waitFor,
  waitForItem,
} from '../helpers/ingest-fixtures';
import { freePort } from '../helpers/processes';
import { INTEROP_DIR, PYTHON } from '../helpers/published-bundle';
import { startTestApp } from '../helpers/test-app';
import { useOwnDatabase } from '../helpers/fault-platform';

/**
 * An external tracker for internet scale: Debian's opentracker (whitelist mode, as packaged) next
 * to the platform. Torrents list it after the built-in tracker (TRACKER_URLS, BEP 12); the worker
 * configured with its whitelist file rewrites it on publish and on takedown and sends SIGHUP. Two
 * libtorrent clients find each other through opentracker alone (the built-in tracker and the
 * webseed are unreachable here), and a taken-down bundle's info-hash is then refused.
 */
const ENV = [
  'REDIS_PREFIX',
  'PUBLIC_URL',
  'TRACKER_URLS',
  'OPENTRACKER_WHITELIST_FILE',
  'OPENTRACKER_PID_FILE',
  'JOB_LOCK_MS',
] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX}_opentracker`;
useOwnDatabase('opentracker');

const NOT_AUTHORIZED = /not authorized for use with this tracker/;

/** One compact HTTP announce straight to opentracker: its bencoded answer, decoded. */
async function announce(tracker: string, infoHashHex: string, port: number): Promise<Record<string, string | bigint>> {
  const escaped = infoHashHex.replace(/../g, '%$&');
  const res = await fetch(
    `${tracker}?info_hash=${escaped}&peer_id=-KS0001-${randomBytes(6).toString('hex')}&port=${port}` +
      '&uploaded=0&downloaded=0&left=1&compact=1&event=started',
  );
  const root = bdecode(Buffer.from(await res.arrayBuffer()));
  if (root.type !== 'dict') throw new Error('opentracker answered something other than a dictionary');
  return Object.fromEntries(
    root.entries.map((e) => [
      e.key.toString(),
      e.value.type === 'bytes' ? e.value.value.toString('latin1') : e.value.type === 'int' ? e.value.value : '(list)',
    ]),
  );
}

function runPython(script: string, args: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(INTEROP_DIR, script), ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', cwd: INTEROP_DIR },
      (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>);
        } catch {
          reject(new Error(`${script} failed (${err?.message}): ${stdout}\n${stderr.slice(-3000)}`));
        }
      },
    );
  });
}

describe('external tracker: opentracker whitelist kept in step (interop: libtorrent)', () => {
  let work: string;
  let opentracker: ChildProcess;
  let trackerUrl: string;
  let whitelist: string;
  let app: NestExpressApplication;
  let worker: INestApplicationContext;
  let seeder: ChildProcess | null = null;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ks-opentracker-'));
    // opentracker started as root drops to `nobody` before reading its whitelist.
    chmodSync(work, 0o755);
    whitelist = join(work, 'whitelist.txt');
    writeFileSync(whitelist, '');
    chmodSync(whitelist, 0o644);
    const port = await freePort();
    opentracker = spawn('opentracker', ['-i', '127.0.0.1', '-p', String(port), '-w', whitelist], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    trackerUrl = `http://127.0.0.1:${port}/announce`;
    await waitFor('opentracker to listen', async () => (await fetch(trackerUrl).catch(() => null)) !== null, 10_000);
    const pidFile = join(work, 'opentracker.pid');
    writeFileSync(pidFile, String(opentracker.pid));

    // Nothing listens at PUBLIC_URL: clients meet through opentracker or not at all.
    process.env.PUBLIC_URL = `http://127.0.0.1:${await freePort()}`;
    process.env.TRACKER_URLS = trackerUrl;
    process.env.JOB_LOCK_MS = '5000';
    app = await startTestApp();
    // One process writes the whitelist (the worker here), as docs/operations.md says.
    process.env.OPENTRACKER_WHITELIST_FILE = whitelist;
    process.env.OPENTRACKER_PID_FILE = pidFile;
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  }, 60_000);

  afterAll(async () => {
    seeder?.kill('SIGKILL');
    await worker?.close();
    await app?.close();
    if (opentracker && opentracker.exitCode === null) {
      opentracker.kill('SIGKILL');
      await once(opentracker, 'exit');
    }
    rmSync(work, { recursive: true, force: true });
    for (const k of ENV) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
  });

  it('publish whitelists the bundle, clients swarm through opentracker, takedown removes it', async () => {
    const prisma = app.get(PrismaService);
    const store = app.get<BlobStore>(BLOB_STORE);
    const stranger = randomBytes(20).toString('hex');
    expect(await announce(trackerUrl, stranger, 6881)).toMatchObject({
      'failure reason': expect.stringMatching(NOT_AUTHORIZED),
    });

    const bundle = await createDraftBundle(worker, 64 * 1024, 'Opentracker film');
    const film = randomBytes(3 * 1024 * 1024 + 777);
    const item = await completeUpload(worker, bundle.id, { path: 'film.mkv', locked: true, body: film });
    await enqueueIngest(worker, item);
    await waitForItem(worker, item.id, ['READY'], 60_000);
    await enqueuePublish(worker, bundle.id);
    const published = await waitFor(
      'publish',
      async () => {
        const b = await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } });
        return b.status === 'PUBLISHED' ? b : null;
      },
      60_000,
    );
    const hashes = announcedInfoHashes(published);
    expect(hashes).toHaveLength(3);
    await waitFor('the whitelist to list the bundle', async () =>
      hashes.every((h) => readFileSync(whitelist, 'utf8').includes(`${h}\n`)),
    );

    // The torrent: built-in tracker first, opentracker as a tier of its own (BEP 12).
    const torrentBytes = await buffer(store.read(torrentKey(bundle.id, published.slug)));
    const torrent = parseTorrent(torrentBytes);
    expect(torrent.announce).toEqual([`${process.env.PUBLIC_URL}/announce`, trackerUrl]);
    const torrentFile = join(work, 'film.torrent');
    writeFileSync(torrentFile, torrentBytes);

    // The seeding client holds the published files, as a buyer who downloaded them would.
    const seedDir = join(work, 'seed');
    const seeded = [
      [`${published.slug}/film.mkv.locked`, itemPublishedKey(bundle.id, { path: 'film.mkv', locked: true })],
      [`${published.slug}/keyseed.json`, manifestKey(bundle.id)],
    ];
    for (const [rel, key] of seeded) {
      mkdirSync(dirname(join(seedDir, rel)), { recursive: true });
      writeFileSync(join(seedDir, rel), await buffer(store.read(key)));
    }
    seeder = spawn(PYTHON, [join(INTEROP_DIR, 'lt_seed.py'), seedDir, '120', torrentFile], {
      cwd: INTEROP_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let seederOut = '';
    seeder.stdout!.on('data', (d: Buffer) => (seederOut += d.toString()));
    seeder.stderr!.on('data', (d: Buffer) => (seederOut += d.toString()));
    await waitFor('the libtorrent seeder', async () => seederOut.includes('"event": "seeding"'), 60_000);

    const leech = await runPython(
      'lt_swarm_leech.py',
      // --piece-sources: the peers that sent blocks, from libtorrent's block alerts (the periodic
      // peer sample can miss a 3 MB transfer over loopback that ends between two samples).
      [torrentFile, join(work, 'leech'), '90', '--no-webseed', '--tcp-only', '--piece-sources'],
      100_000,
    );
    expect({ leech, seeder: leech.event === 'complete' ? '' : seederOut.slice(-3000) }).toMatchObject({
      leech: { event: 'complete' },
    });
    const sources = Object.keys(leech.piece_sources as Record<string, number[]>);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((s) => s.startsWith('127.0.0.1:'))).toBe(true);
    expect(
      readFileSync(join(work, 'leech', published.slug, 'film.mkv.locked')).equals(
        readFileSync(join(seedDir, seeded[0][0])),
      ),
    ).toBe(true);

    // Both clients were opentracker's peers: a fresh announce gets their addresses.
    const before = await announce(trackerUrl, published.infoHashV1!, 6881);
    expect(before['failure reason']).toBeUndefined();
    expect(String(before.peers).length).toBeGreaterThanOrEqual(6);

    const admin = await prisma.user.create({
      data: {
        email: `admin-${randomUUID()}@example.test`,
        passwordHash: 'unused',
        displayName: 'Admin',
        roles: ['ADMIN'],
      },
    });
    await app.get(ModerationService).takedown(admin.id, bundle.id, 'opentracker test');
    await waitFor('the whitelist to drop the bundle', async () =>
      hashes.every((h) => !readFileSync(whitelist, 'utf8').includes(h)),
    );
    for (const h of hashes) {
      const answer = await waitFor(`opentracker to refuse ${h}`, async () => {
        const a = await announce(trackerUrl, h, 6881);
        return NOT_AUTHORIZED.test(String(a['failure reason'] ?? '')) ? a : null;
      });
      expect(answer['failure reason']).toMatch(NOT_AUTHORIZED);
    }
  }, 240_000);
});
