import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import Redis from 'ioredis';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { readWebseedRanges, type WebseedRange } from '@keyseed/egress/webseed-ranges';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';
import { isolatedEnv, type IsolatedEnv } from '../helpers/fault-platform';
import { startPlatformSeed, type PlatformSeedProcess } from '../helpers/platform-seed';
import { createPublishedBundle, INTEROP_DIR, PublishedFixture, PYTHON } from '../helpers/published-bundle';
import { createAdminUser, startTestApp } from '../helpers/test-app';

/**
 * The swarm-aware webseed (WEBSEED_POLICY=swarm) against the plain one, with real clients on
 * loopback, each bound to an address of its own (127.0.0.N: the tracker and the webseed see
 * separate buyers), behind proxies that count the webseed bytes the clients receive and send them
 * at a fixed rate (an origin slower than the peers, so a swarm forms before it is over). The swarm
 * side runs a platform seed, the fallback that lets the policy refuse at all. Asserted: completion
 * (nobody stalls), who was answered 503 + Retry-After and who never was, and that the egress
 * counters equal the proxies' counts. Times are reported, not asserted (the machine is shared).
 * A 503 is final for these clients: libtorrent 2.0 never asks that webseed for any range of the
 * file again in its session, aria2 drops the webseed (docs/operations.md, swarm-aware webseed).
 */
const RATE = 512 * 1024;
const SEED_RATE = 256 * 1024;
const RETRY_AFTER = '2';

interface LeechReport {
  event: string;
  seconds: number;
  downloaded: number;
  sources: Record<string, number>;
  /** Where it downloaded to. */
  dir: string;
}

function leech(torrent: string, bind: string, seedFor = 3, extra: string[] = []): Promise<LeechReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-swarm-'));
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      // 4 pieces per webseed request: what libtorrent's default (16 MiB) makes of 4 MiB pieces.
      [
        join(INTEROP_DIR, 'lt_swarm_leech.py'),
        torrent,
        dir,
        '100',
        '--tcp-only',
        '--seed-for',
        String(seedFor),
        '--web-request-bytes',
        String(4 * 64 * 1024),
        '--bind',
        bind,
        ...extra,
      ],
      { timeout: 110_000, killSignal: 'SIGKILL', cwd: INTEROP_DIR },
      (err, stdout, stderr) => {
        try {
          resolve({ ...(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LeechReport), dir });
        } catch {
          reject(new Error(`libtorrent leecher failed (${err?.message}): ${stdout}\n${stderr.slice(-3000)}`));
        }
      },
    );
  });
}

/** aria2 1.36+ (v1 only), bound to `bind`; 503 makes it drop the webseed for good (its default --retry-wait=0). */
function aria2(torrent: string, bind: string, timeoutMs: number): Promise<{ code: number; out: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-swarm-aria2-'));
  return new Promise((resolve) => {
    execFile(
      'aria2c',
      [
        `--dir=${dir}`,
        `--interface=${bind}`,
        '--enable-dht=false',
        '--enable-dht6=false',
        '--bt-enable-lpd=false',
        '--enable-peer-exchange=false',
        '--seed-time=0',
        `--listen-port=${20000 + Math.floor(Math.random() * 20000)}`,
        '--console-log-level=warn',
        '--summary-interval=0',
        `--bt-stop-timeout=${Math.floor(timeoutMs / 1000) - 5}`,
        '--file-allocation=none',
        torrent,
      ],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, dir }),
    );
  });
}

/** An HTTP announce sent from `bind` (the proxy forwards that address, as for the clients). */
function announceFrom(proxy: CountingProxy, bind: string, infoHash: string, port: number, left: number) {
  const enc = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
  const url = new URL(proxy.url);
  const path =
    `/announce?info_hash=${enc(infoHash)}&peer_id=${enc(randomBytes(20).toString('hex'))}&port=${port}` +
    `&uploaded=0&downloaded=0&left=${left}&compact=1&event=started`;
  return new Promise<void>((resolve, reject) => {
    httpGet({ host: url.hostname, port: url.port, path, localAddress: bind }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    }).on('error', reject);
  });
}

/** A GET of the first 64 KiB of a webseed file, sent from `bind` through the proxy. */
function rangeFrom(proxy: CountingProxy, bind: string, path: string, headers: Record<string, string> = {}) {
  const url = new URL(proxy.url);
  return new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
    httpGet(
      { host: url.hostname, port: url.port, path, localAddress: bind, headers: { range: 'bytes=0-65535', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      },
    ).on('error', reject);
  });
}

const ITEMS = [
  { path: 'film.mkv', locked: true, size: 6 * 1024 * 1024 + 777 },
  { path: 'trailer.mp4', locked: false, size: 300_001 },
];
const FILM = 'film.mkv.locked';

describe('swarm-aware webseed vs plain webseed (interop: libtorrent and aria2, counting proxies, platform seed)', () => {
  const saved = { ...process.env };
  const sides = {} as Record<
    'swarm' | 'plain',
    { app: NestExpressApplication; proxy: CountingProxy; fx: PublishedFixture }
  >;
  /** Swarm side: a bundle for aria2 alone, and one for HTTP probes (nobody else in their swarms). */
  let aria2Fx: PublishedFixture;
  let probeFx: PublishedFixture;
  let seed: PlatformSeedProcess;
  let isolated: IsolatedEnv;
  let contentBytes = 0;
  const timings: Record<string, number[]> = {};

  beforeAll(async () => {
    // A database and Redis prefix of its own: platform seeds of suites running beside this one would
    // otherwise seed these bundles into the same swarms and count in the seeds' heartbeat.
    isolated = await isolatedEnv('swarm');
    const own = { DATABASE_URL: isolated.databaseUrl, REDIS_PREFIX: isolated.env.REDIS_PREFIX };
    for (const policy of ['swarm', 'plain'] as const) {
      Object.assign(process.env, {
        ...own,
        WEBSEED_POLICY: policy,
        WEBSEED_RETRY_AFTER_SECONDS: RETRY_AFTER,
        // One fed client per swarm: the cases below tell the first of a group from the rest.
        WEBSEED_FEEDERS: '1',
        EGRESS_FLUSH_MS: '200',
      });
      const app = await startTestApp();
      process.env = { ...saved };
      await app.listen(0, '127.0.0.1');
      const proxy = await startCountingProxy(
        `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
        { webseedBytesPerSecond: RATE },
      );
      const fx = await createPublishedBundle(app, { publicUrl: proxy.url, pieceLength: 64 * 1024, items: ITEMS });
      sides[policy] = { app, proxy, fx };
    }
    const { app, proxy } = sides.swarm;
    aria2Fx = await createPublishedBundle(app, { publicUrl: proxy.url, pieceLength: 64 * 1024, items: ITEMS });
    probeFx = await createPublishedBundle(app, { publicUrl: proxy.url, pieceLength: 64 * 1024, items: ITEMS });
    contentBytes = [...sides.swarm.fx.files.values()].reduce((a, b) => a + b.length, 0);
    // Let the trackers' info-hash indexes see the bundles before anyone announces them.
    await new Promise((r) => setTimeout(r, 2500));
    // It seeds every bundle of this run's database, announcing to the swarm side's tracker only,
    // slower than the webseed (a platform seed shares its upload among every swarm).
    seed = await startPlatformSeed(proxy.url, { ...own, SEEDER_UPLOAD_LIMIT: String(SEED_RATE) });
    for (const fx of [sides.swarm.fx, aria2Fx, probeFx])
      await seed.waitFor((l) => l.event === 'seeder.added' && l.bundleId === fx.bundleId, 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // its announces; the webseed's view is ≤ 1 s old
  }, 120_000);

  afterAll(async () => {
    console.log(`swarm-webseed timings (s) and webseed copies: ${JSON.stringify(timings)}`);
    await seed?.stop();
    for (const side of Object.values(sides)) {
      await side.proxy.close();
      await side.app.close();
    }
    await isolated?.cleanup();
  });

  /** Every range in this run's stream of webseed ranges. */
  async function publishedRanges(): Promise<WebseedRange[]> {
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const all: WebseedRange[] = [];
      for (let after = '0-0'; ;) {
        const read = await readWebseedRanges(redis, isolated.env.REDIS_PREFIX, after, 1);
        if (read.ranges.length === 0) return all;
        all.push(...read.ranges);
        after = read.last;
      }
    } finally {
      redis.disconnect();
    }
  }

  it('a lone leecher is never refused and downloads at the webseed speed of the plain policy', async () => {
    const swarm = await leech(sides.swarm.fx.hybridTorrent, '127.0.0.11');
    const plain = await leech(sides.plain.fx.hybridTorrent, '127.0.0.12');
    timings.lone = [swarm.seconds, plain.seconds];
    expect([swarm.event, plain.event]).toEqual(['complete', 'complete']);
    expect(sides.swarm.proxy.refusedByClient.get('127.0.0.11') ?? 0).toBe(0);
    expect(sides.swarm.proxy.webseedBytesByClient.get('127.0.0.11') ?? 0).toBeGreaterThan(0);
    expect(
      Buffer.compare(readFileSync(join(swarm.dir, sides.swarm.fx.slug, FILM)), sides.swarm.fx.files.get(FILM)!),
    ).toBe(0);
    // Loosely: the same order of time as the plain webseed (both are bound by the proxy's rate).
    expect(swarm.seconds).toBeLessThan(3 * plain.seconds + 10);
  }, 240_000);

  it('4 leechers all finish (none stalls): the first is fed by the webseed, the 3 that join while it downloads are sent to their peers; the plain webseed never refuses', async () => {
    const before = { swarm: sides.swarm.proxy.webseedBodyBytes, plain: sides.plain.proxy.webseedBodyBytes };
    /** One leecher, then 3 together once the webseed has started feeding it. */
    const run = async (side: 'swarm' | 'plain', [first, ...rest]: number[]) => {
      const { proxy, fx } = sides[side];
      const firstDone = leech(fx.hybridTorrent, `127.0.0.${first}`, 10);
      const t0 = Date.now();
      while (!((proxy.webseedBytesByClient.get(`127.0.0.${first}`) ?? 0) > 0) && Date.now() - t0 < 60_000)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1100)); // the webseed's view of the swarm is ≤ 1 s old
      const later = await Promise.all(rest.map((n) => leech(fx.hybridTorrent, `127.0.0.${n}`)));
      return [await firstDone, ...later];
    };
    const swarm = await run('swarm', [21, 22, 23, 24]);
    const plain = await run('plain', [31, 32, 33, 34]);
    timings.four = [Math.max(...swarm.map((r) => r.seconds)), Math.max(...plain.map((r) => r.seconds))];
    expect(swarm.map((r) => r.event)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(plain.map((r) => r.event)).toEqual(['complete', 'complete', 'complete', 'complete']);
    const { refusedByClient: refused, webseedBytesByClient: fed } = sides.swarm.proxy;
    expect(refused.get('127.0.0.21') ?? 0).toBe(0);
    for (const h of [22, 23, 24]) {
      const ip = `127.0.0.${h}`;
      expect({ ip, refused: (refused.get(ip) ?? 0) > 0 }).toEqual({ ip, refused: true });
      // Refused the film at their first request for it, they got none of it from the webseed.
      expect({ ip, film: (fed.get(ip) ?? 0) > 300_001 + 1024 }).toEqual({ ip, film: false });
    }
    expect(new Set(sides.swarm.proxy.retryAfters)).toEqual(new Set([RETRY_AFTER]));
    // The webseed told the platform seed (through Redis) which ranges it sent: the film's to the
    // fed client only, at least every byte that client received (but keyseed.json's, not in the swarm).
    const ranges = (await publishedRanges()).filter(
      (r) => r.bundleId === sides.swarm.fx.bundleId && ['21', '22', '23', '24'].includes(r.client.split('.')[3]),
    );
    expect(new Set(ranges.filter((r) => r.path === FILM).map((r) => r.client))).toEqual(new Set(['127.0.0.21']));
    const announced = ranges.filter((r) => r.client === '127.0.0.21').reduce((a, r) => a + r.end - r.start + 1, 0);
    expect(announced).toBeGreaterThanOrEqual((fed.get('127.0.0.21') ?? 0) - 64 * 1024);
    expect(sides.plain.proxy.webseedStatuses.get(503) ?? 0).toBe(0);
    const copies = (side: 'swarm' | 'plain') => (sides[side].proxy.webseedBodyBytes - before[side]) / contentBytes;
    timings.copies = [copies('swarm'), copies('plain')];
    expect(copies('swarm')).toBeLessThanOrEqual(1);
    expect(copies('swarm')).toBeLessThan(copies('plain'));
  }, 240_000);

  it('a leecher arriving while a seeder other than the platform seed is there is refused at once and still finishes from its peers', async () => {
    const { proxy, fx } = sides.swarm;
    const external = spawn(PYTHON, [join(INTEROP_DIR, 'lt_seed.py'), fx.parentDir, '120', fx.hybridTorrent], {
      cwd: INTEROP_DIR,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((r) => external.stdout.on('data', (d: Buffer) => d.includes('seeding') && r()));
      await new Promise((r) => setTimeout(r, 1500)); // its announce, and the webseed's view
      const late = await leech(fx.hybridTorrent, '127.0.0.25');
      expect(late.event).toBe('complete');
      expect(proxy.refusedByClient.get('127.0.0.25') ?? 0).toBeGreaterThan(0);
      expect(Buffer.compare(readFileSync(join(late.dir, fx.slug, FILM)), fx.files.get(FILM)!)).toBe(0);
    } finally {
      external.stdin.end();
    }
  }, 150_000);

  it('a client refused a file that asks for it again is served', async () => {
    const { proxy } = sides.swarm;
    // A leecher at .51 in a swarm with the platform seed and a seeder at .52.
    await announceFrom(proxy, '127.0.0.52', probeFx.infoHashV1, 6992, 0);
    await announceFrom(proxy, '127.0.0.51', probeFx.infoHashV1, 6991, 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const path = `/webseed/${probeFx.slug}/${FILM}`;
    expect(await rangeFrom(proxy, '127.0.0.51', path)).toEqual({ status: 503, retryAfter: RETRY_AFTER });
    expect((await rangeFrom(proxy, '127.0.0.51', path)).status).toBe(206);
    expect((await rangeFrom(proxy, '127.0.0.51', path)).status).toBe(206);
  });

  it('a browser (Fetch Metadata) is served without waiting for an announce, where a BitTorrent client would be refused', async () => {
    const { proxy } = sides.swarm;
    // The swarm of the previous case: the platform seed and a seeder at .52. A leecher at .71.
    await announceFrom(proxy, '127.0.0.52', probeFx.infoHashV1, 6992, 0);
    await announceFrom(proxy, '127.0.0.71', probeFx.infoHashV1, 6993, 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const path = `/webseed/${probeFx.slug}/${FILM}`;
    const browser = { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' };
    expect((await rangeFrom(proxy, '127.0.0.71', path, browser)).status).toBe(206);
    expect((await rangeFrom(proxy, '127.0.0.71', path)).status).toBe(503);
  });

  it('a lone aria2 fetching the v1 twin, then the hybrid torrent, from one address is never refused (its own announces are not "the swarm")', async () => {
    const { proxy } = sides.swarm;
    const fx = aria2Fx;
    const twin = await aria2(fx.legacyTorrent, '127.0.0.41', 60_000);
    expect({ code: twin.code, out: twin.code === 0 ? '' : twin.out }).toEqual({ code: 0, out: '' });
    // What the tracker may still hold of this client: the twin seeded on another port, and an
    // older hybrid announce of itself.
    await announceFrom(proxy, '127.0.0.41', fx.infoHashV1Legacy, 6990, 0);
    await announceFrom(proxy, '127.0.0.41', fx.infoHashV1, 6991, 1000);
    await new Promise((r) => setTimeout(r, 1100)); // the webseed's view of the swarm is ≤ 1 s old
    const t0 = Date.now();
    const hybrid = await aria2(fx.hybridTorrent, '127.0.0.41', 60_000);
    timings.aria2Hybrid = [(Date.now() - t0) / 1000];
    expect({ code: hybrid.code, out: hybrid.code === 0 ? '' : hybrid.out }).toEqual({ code: 0, out: '' });
    expect(proxy.refusedByClient.get('127.0.0.41') ?? 0).toBe(0);
    expect(Buffer.compare(readFileSync(join(hybrid.dir, fx.slug, FILM)), fx.files.get(FILM)!)).toBe(0);
  }, 150_000);

  it("counts exactly the webseed bytes the clients received, in BundleEgress and in the API's /metrics", async () => {
    await new Promise((r) => setTimeout(r, 500)); // bytes still on their way through the proxies
    const bySide = { swarm: [sides.swarm.fx, aria2Fx, probeFx], plain: [sides.plain.fx] };
    for (const [name, { app, proxy }] of Object.entries(sides) as ['swarm' | 'plain', (typeof sides)['swarm']][]) {
      await app.get(EgressRecorder, { strict: false }).flush();
      const ids = bySide[name].map((fx) => fx.bundleId);
      const rows = await app
        .get(PrismaService)
        .bundleEgress.findMany({ where: { bundleId: { in: ids }, source: 'WEBSEED' } });
      expect(rows.reduce((n, r) => n + Number(r.bytes), 0)).toBe(proxy.webseedBodyBytes);
      const admin = await createAdminUser(app);
      const metrics = await request(app.getHttpServer() as App)
        .get('/metrics')
        .set(admin.auth)
        .expect(200);
      const fx = bySide[name][0];
      const row = rows.find((r) => r.bundleId === fx.bundleId);
      expect(metrics.text).toContain(
        `keyseed_origin_bytes_total{bundle="${fx.bundleId}",source="webseed"} ${Number(row!.bytes)}`,
      );
    }
  });
});
