import { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buffer } from 'node:stream/consumers';
import type { KeyseedConfig } from '@keyseed/config';
import { dropDatabase, PrismaService } from '@keyseed/database';
import { itemPublishedKey, S3Store, s3ClientConfig } from '@keyseed/storage';
import { bdecode, PieceHasher } from '@keyseed/torrent';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../../apps/worker/src/process-options';
import { bucketContents, converged } from '../helpers/invariants';
import { INTEROP_DIR, PYTHON } from '../helpers/published-bundle';
import { freePort } from '../helpers/processes';
import { PlatformProcess, RoundRobinProxy, waitHealthy } from '../helpers/replicas';
import { ownDatabase } from '../helpers/fault-platform';
import { startS3Server, TestS3Server } from '../helpers/s3-server';
import { tusMetadata } from '../helpers/tus';

/**
 * Scale-out proven with real processes (docs/operations.md, scaling out): two API replicas and two
 * workers built to dist/, behind a round-robin balancer with no sticky routing, sharing PostgreSQL,
 * Redis and an S3 bucket. The S3 driver is the realistic shared store across machines (the local
 * disk would need one shared file system) and the one whose tus uploads live outside any replica.
 * The S3 server answers every multipart part 250 ms late, so a writer can be stopped mid-upload.
 */
const MiB = 1024 * 1024;
const FILM = 40 * MiB + 4321;
const SECOND = 24 * MiB + 99;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A compact announce's peers (6 bytes each) as "ip:port". */
function compactPeers(body: Buffer): string[] {
  const root = bdecode(body);
  if (root.type !== 'dict') throw new Error('announce answer is not a dictionary');
  const failure = root.entries.find((e) => e.key.toString() === 'failure reason');
  if (failure?.value.type === 'bytes') throw new Error(`announce refused: ${failure.value.value.toString()}`);
  const peers = root.entries.find((e) => e.key.toString() === 'peers')?.value;
  if (peers?.type !== 'bytes') return [];
  const out: string[] = [];
  for (let i = 0; i + 6 <= peers.value.length; i += 6)
    out.push(`${[...peers.value.subarray(i, i + 4)].join('.')}:${peers.value.readUInt16BE(i + 4)}`);
  return out;
}

/** complete / incomplete / downloaded of the single torrent of a scrape answer. */
function scrapeCounts(body: Buffer): Record<string, number> {
  const root = bdecode(body);
  const files = root.type === 'dict' ? root.entries.find((e) => e.key.toString() === 'files')?.value : undefined;
  const entry = files?.type === 'dict' ? files.entries[0]?.value : undefined;
  if (entry?.type !== 'dict') throw new Error(`scrape answer without files: ${body.toString('latin1')}`);
  const counts: Record<string, number> = {};
  for (const { key, value } of entry.entries) if (value.type === 'int') counts[key.toString()] = Number(value.value);
  return counts;
}

describe('scale-out: 2 API + 2 workers behind a round-robin balancer, S3 storage (real processes)', () => {
  const work = mkdtempSync(join(tmpdir(), 'ks-replicas-'));
  const prefix = `${process.env.REDIS_PREFIX}_replicas`;
  let s3: TestS3Server;
  let client: S3Client;
  let store: S3Store;
  let proxy: RoundRobinProxy;
  let apis: string[];
  const api: PlatformProcess[] = [];
  const workers: PlatformProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let databaseUrl: string;
  let prisma: PrismaService;

  let token: string;
  let bundleId: string;
  let otherBundleId: string;
  let itemIds: string[];
  const film = randomBytes(FILM);
  const second = randomBytes(SECOND);

  const startWorker = (n: number) => {
    const w = new PlatformProcess(
      `worker${n}`,
      'apps/worker/src/main.js',
      { ...env, ...WORKER_ENV, DATA_DIR: join(work, `worker${n}`) },
      WORKER_NODE_ARGS,
    );
    workers.push(w);
    return w;
  };
  const logsOf = (p: PlatformProcess, event: string, id: string) =>
    p.lines.filter((l) => l.includes(`"event":"${event}"`) && l.includes(id));

  beforeAll(async () => {
    databaseUrl = await ownDatabase('replicas');
    prisma = new PrismaService({ DATABASE_URL: databaseUrl } as KeyseedConfig);
    s3 = await startS3Server('keyseed-replicas', { partDelayMs: 250 });
    const s3Options = {
      bucket: s3.bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    client = new S3Client(s3ClientConfig(s3Options));
    store = new S3Store(s3Options, client);
    const ports = [await freePort(), await freePort()];
    apis = ports.map((p) => `http://127.0.0.1:${p}`);
    proxy = new RoundRobinProxy(apis);
    const publicUrl = await proxy.start();
    env = {
      ...process.env,
      ...s3.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: prefix,
      PUBLIC_URL: publicUrl,
      // Every replica must share the KEK (the development KEK file is per DATA_DIR).
      KEYSEED_KEK: randomBytes(32).toString('base64'),
      WEBSEED_POLICY: 'plain',
      // Short enough for a quick takeover, long enough that a starved survivor still renews its lock
      // on a loaded machine (2 000 ms made the survivor's own job stall out at load average 20+).
      JOB_LOCK_MS: '5000',
      JOB_RETRY_DELAY_MS: '300',
      INGEST_CONCURRENCY: '1',
      INGEST_THREADS: '1',
    };
    for (const [i, port] of ports.entries())
      api.push(
        new PlatformProcess(`api${i}`, 'apps/api/src/main.js', {
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: join(work, `api${i}`),
        }),
      );
    startWorker(0);
    startWorker(1);
    await Promise.all([
      ...apis.map((u) => waitHealthy(u, 90_000)),
      ...workers.map((w) => w.waitFor('worker.ready', 90_000)),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...api, ...workers].map((p) => p.stop('SIGKILL')));
    await proxy?.stop();
    await s3?.stop();
    await prisma?.$disconnect();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(work, { recursive: true, force: true });
  });

  it('resumes on replica B an upload started on replica A (tus HEAD/PATCH across replicas)', async () => {
    const creator = await call(proxy.url, 'POST', '/v1/auth/register', undefined, {
      email: `replicas-${Date.now()}@example.test`,
      password: 'correct horse battery staple',
      displayName: 'Replica Films',
      roles: ['CREATOR'],
    });
    expect(creator.status).toBe(201);
    token = creator.body.token as string;
    const bundle = await call(proxy.url, 'POST', '/v1/bundles', token, { title: 'Replicated film' });
    bundleId = bundle.body.id as string;
    const items = await call(proxy.url, 'POST', `/v1/bundles/${bundleId}/items`, token, {
      items: [{ path: 'film.mkv' }, { path: 'second.mkv' }],
    });
    itemIds = (items.body.items as { id: string }[]).map((i) => i.id);

    const tus = { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}` };
    const created = await fetch(`${apis[0]}/v1/uploads`, {
      method: 'POST',
      headers: {
        ...tus,
        'upload-length': String(film.length),
        'upload-metadata': tusMetadata({ bundleId, itemId: itemIds[0] }),
      },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get('location')!).pathname;
    const patch = (base: string, from: number, to: number) =>
      fetch(`${base}${path}`, {
        method: 'PATCH',
        headers: { ...tus, 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
        body: film.subarray(from, to),
      });
    const half = 16 * MiB;
    expect((await patch(apis[0], 0, half)).status).toBe(204);
    const head = await fetch(`${apis[1]}${path}`, { method: 'HEAD', headers: tus });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBe(half);
    const rest = await patch(apis[1], half, film.length);
    expect(rest.status).toBe(204);
    expect(Number(rest.headers.get('upload-offset'))).toBe(film.length);
  }, 60_000);

  it('a worker killed with kill -9 mid-ingest loses the item to the other, which ends it READY with correct hashes', async () => {
    const itemId = itemIds[0];
    const starter = await until('a worker to start the ingest', async () =>
      workers.find((w) => logsOf(w, 'ingest.start', itemId).length > 0),
    );
    // Mid-ingest: its ciphertext is a multipart upload in progress.
    await until('the ciphertext upload to be under way', async () =>
      (await bucketContents({ client, bucket: s3.bucket })).multipartUploads.some((k) =>
        k.startsWith(`staging/${itemId}/`),
      ),
    );
    await starter.stop('SIGKILL');
    const survivor = workers.find((w) => w !== starter)!;
    expect((await prisma.item.findUniqueOrThrow({ where: { id: itemId } })).status).toBe('INGESTING');

    const item = await until(
      'the other worker to finish the item',
      async () => {
        const row = await prisma.item.findUniqueOrThrow({ where: { id: itemId } });
        return row.status === 'READY' || row.status === 'FAILED' ? row : null;
      },
      90_000,
    );
    expect([item.status, item.failureReason]).toEqual(['READY', null]);
    // The row commits before the survivor's log line reaches the pipe: wait for the line.
    await until(
      'the survivor to log the ingest',
      async () => logsOf(survivor, 'ingest.done', itemId).length > 0,
      10_000,
    );
    expect(logsOf(starter, 'ingest.done', itemId)).toHaveLength(0);
    expect(logsOf(survivor, 'ingest.done', itemId)).toHaveLength(1);
    expect(item.plaintextSha256).toBe(sha256(film));
    // The hashes describe the stored ciphertext (computed again here from the bucket).
    const bundle = await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } });
    const stored = await buffer(store.read(itemPublishedKey(bundleId, item)));
    expect(stored.length).toBe(film.length);
    const again = new PieceHasher(bundle.pieceLength!).update(stored).digest();
    expect(Buffer.from(item.pieceHashesV1!).equals(again.piecesV1)).toBe(true);
    expect(Buffer.from(item.piecesRoot!).equals(again.piecesRoot!)).toBe(true);
  }, 120_000);

  it('a worker sent SIGTERM mid-ingest finishes its item before it exits', async () => {
    startWorker(2);
    const itemId = itemIds[1];
    const created = await fetch(`${proxy.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'upload-length': String(second.length),
        'upload-metadata': tusMetadata({ bundleId, itemId }),
        'content-type': 'application/offset+octet-stream',
      },
      body: second,
    });
    expect(created.status).toBe(201);
    expect(Number(created.headers.get('upload-offset'))).toBe(second.length);
    const live = workers.filter((w) => w.alive);
    const starter = await until('a worker to start the ingest', async () =>
      live.find((w) => logsOf(w, 'ingest.start', itemId).length > 0),
    );
    await until('the ciphertext upload to be under way', async () =>
      (await bucketContents({ client, bucket: s3.bucket })).multipartUploads.some((k) =>
        k.startsWith(`staging/${itemId}/`),
      ),
    );
    await starter.stop('SIGTERM');
    expect(await starter.exited).toBe('SIGTERM'); // Nest re-raises the signal once its hooks are done
    expect(logsOf(starter, 'ingest.done', itemId)).toHaveLength(1);
    expect((await prisma.item.findUniqueOrThrow({ where: { id: itemId } })).status).toBe('READY');
  }, 120_000);

  it('publishes once through the balancer', async () => {
    expect((await call(proxy.url, 'POST', `/v1/bundles/${bundleId}/publish`, token)).status).toBe(202);
    await until(
      'publish',
      async () => (await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } })).status === 'PUBLISHED',
    );
  }, 60_000);

  it('an ingest whose ciphertext upload breaks fails with its reason and leaves no multipart upload behind', async () => {
    const other = await call(proxy.url, 'POST', '/v1/bundles', token, { title: 'Broken upload' });
    otherBundleId = other.body.id as string;
    const items = await call(proxy.url, 'POST', `/v1/bundles/${otherBundleId}/items`, token, {
      items: [{ path: 'broken.mkv' }],
    });
    const itemId = (items.body.items as { id: string }[])[0].id;
    await s3.failParts(`^staging/${itemId}/`);
    const body = randomBytes(20 * MiB);
    const created = await fetch(`${proxy.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'upload-length': String(body.length),
        'upload-metadata': tusMetadata({ bundleId: otherBundleId, itemId }),
        'content-type': 'application/offset+octet-stream',
      },
      body,
    });
    expect(created.status).toBe(201);
    const failed = await until(
      'every attempt to fail',
      async () => {
        const row = await prisma.item.findUniqueOrThrow({ where: { id: itemId } });
        return row.status === 'FAILED' || row.status === 'READY' ? row : null;
      },
      90_000,
    );
    await s3.failParts('');
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toMatch(/ingest failed after 3 attempt\(s\)/);
    const bucket = await bucketContents({ client, bucket: s3.bucket });
    expect(bucket.multipartUploads).toEqual([]);
    expect([...bucket.objects.keys()].filter((k) => k.startsWith(`staging/${itemId}/`))).toEqual([]);
  }, 120_000);

  it('announces to either replica see one swarm; scrapes of both agree', async () => {
    const bundle = await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } });
    const hash = bundle.infoHashV1!.replace(/../g, '%$&');
    const announce = async (base: string, peer: number) => {
      const res = await fetch(
        `${base}/announce?info_hash=${hash}&peer_id=-KS0001-${String(peer).padStart(12, '0')}` +
          `&port=${peer}&uploaded=0&downloaded=0&left=1000&compact=1&event=started`,
      );
      return compactPeers(Buffer.from(await res.arrayBuffer()));
    };
    // The replica's info-hash index learns the new bundle on a miss (at most every 2 s).
    await until(
      'replica A to track the bundle',
      () =>
        announce(apis[0], 40001).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    expect(await announce(apis[1], 40002)).toContain('127.0.0.1:40001');
    expect(await announce(apis[0], 40001)).toContain('127.0.0.1:40002');
    const scrape = async (base: string) =>
      scrapeCounts(Buffer.from(await (await fetch(`${base}/scrape?info_hash=${hash}`)).arrayBuffer()));
    const [a, b] = await Promise.all([scrape(apis[0]), scrape(apis[1])]);
    expect(a).toEqual({ complete: 0, incomplete: 2, downloaded: 0 });
    expect(b).toEqual(a);
  }, 30_000);

  it('a token revoked on one replica is refused by the other at once', async () => {
    const login = await call(proxy.url, 'POST', '/v1/auth/register', undefined, {
      email: `revoked-${Date.now()}@example.test`,
      password: 'correct horse battery staple',
      displayName: 'Buyer',
    });
    const buyer = login.body.token as string;
    expect((await call(apis[0], 'GET', '/v1/me', buyer)).status).toBe(200); // now cached on A
    expect((await call(apis[1], 'POST', '/v1/auth/logout', buyer)).status).toBe(204);
    expect((await call(apis[0], 'GET', '/v1/me', buyer)).status).toBe(401);
  }, 30_000);

  it('an API replica killed mid-download: libtorrent finishes from the webseed through the other', async () => {
    const bundle = await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } });
    const torrent = join(work, 'film.torrent');
    const res = await fetch(`${proxy.url}/v1/catalog/${bundle.slug}/torrent?format=hybrid`);
    expect(res.status).toBe(200);
    writeFileSync(torrent, Buffer.from(await res.arrayBuffer()));
    const out = join(work, 'download');
    const client = spawn(PYTHON, [join(INTEROP_DIR, 'lt_webseed_failover.py'), torrent, out, '120', String(12 * MiB)], {
      cwd: INTEROP_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: Record<string, unknown>[] = [];
    let stderr = '';
    client.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: client.stdout }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
    const exited = new Promise<number | null>((r) => client.once('exit', (code) => r(code)));
    await until('the first webseed bytes', async () => events.some((e) => e.event === 'downloading'), 60_000);
    await until(
      'replica A to serve webseed ranges',
      async () => proxy.served.some((s) => s.backend === 0 && s.path.startsWith('/webseed/')),
      30_000,
    );
    await api[0].stop('SIGKILL');
    const servedBeforeKill = proxy.served.length;
    const code = await exited;
    // Events include any "webseed-readded" nudge the script gave libtorrent 2.0.8 (see the script).
    if (code !== 0) throw new Error(`libtorrent exited ${code}: ${JSON.stringify(events)}\n${stderr.slice(-3000)}`);
    expect(events.at(-1)).toMatchObject({ event: 'complete' });
    expect(proxy.served.slice(servedBeforeKill).some((s) => s.backend === 1 && s.path.startsWith('/webseed/'))).toBe(
      true,
    );
    const downloaded = join(out, bundle.slug, 'film.mkv.locked');
    expect(statSync(downloaded).size).toBe(film.length);
    const stored = await buffer(store.read(itemPublishedKey(bundleId, { path: 'film.mkv', locked: true })));
    expect(sha256(readFileSync(downloaded))).toBe(sha256(stored));
  }, 150_000);

  it('nothing lost, nothing done twice: invariants hold, one ingest per item, one publish', async () => {
    expect(
      await converged(
        prisma,
        { dataDir: work, bundleIds: [bundleId, otherBundleId], s3: { client, bucket: s3.bucket } },
        30_000,
      ),
    ).toEqual([]);
    const all = (event: string, id: string) => workers.flatMap((w) => logsOf(w, event, id));
    expect(all('publish.done', bundleId)).toHaveLength(1);
    for (const id of itemIds) expect(all('ingest.done', id)).toHaveLength(1);
  }, 60_000);
});
