import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';
import { createPublishedBundle, INTEROP_DIR, PublishedFixture, PYTHON } from '../helpers/published-bundle';
import { createAdminUser, startTestApp } from '../helpers/test-app';

/**
 * The swarm-aware webseed (WEBSEED_POLICY=swarm) against the plain one, with real clients on
 * loopback, each bound to an address of its own (127.0.0.N: the tracker and the webseed see
 * separate buyers), behind proxies that count the webseed bytes the clients receive and send them
 * at a fixed rate (an origin slower than the peers, so a swarm forms before it is over). Asserted:
 * completion, who was answered 503 + Retry-After and who never was, and that the egress counters
 * equal the proxies' counts. Times are reported, not asserted (the machine is shared).
 * libtorrent 2.0 does not come back to a webseed that answered 503 for 30 s or more, whatever
 * Retry-After says, and aria2 drops it for good: the policy must refuse only what peers really hold.
 */
const RATE = 512 * 1024;
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

describe('swarm-aware webseed vs plain webseed (interop: libtorrent and aria2, counting proxies)', () => {
  const saved = { ...process.env };
  const sides = {} as Record<
    'swarm' | 'plain',
    { app: NestExpressApplication; proxy: CountingProxy; fx: PublishedFixture }
  >;
  let contentBytes = 0;
  const timings: Record<string, number[]> = {};

  beforeAll(async () => {
    for (const policy of ['swarm', 'plain'] as const) {
      Object.assign(process.env, {
        WEBSEED_POLICY: policy,
        WEBSEED_RETRY_AFTER_SECONDS: RETRY_AFTER,
        EGRESS_FLUSH_MS: '200',
      });
      const app = await startTestApp();
      process.env = { ...saved };
      await app.listen(0, '127.0.0.1');
      const proxy = await startCountingProxy(
        `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
        { webseedBytesPerSecond: RATE },
      );
      const fx = await createPublishedBundle(app, {
        publicUrl: proxy.url,
        pieceLength: 64 * 1024,
        items: [
          { path: 'film.mkv', locked: true, size: 6 * 1024 * 1024 + 777 },
          { path: 'trailer.mp4', locked: false, size: 300_001 },
        ],
      });
      sides[policy] = { app, proxy, fx };
    }
    contentBytes = [...sides.swarm.fx.files.values()].reduce((a, b) => a + b.length, 0);
    // Let the trackers' info-hash indexes see the bundles before anyone announces them.
    await new Promise((r) => setTimeout(r, 2500));
  }, 60_000);

  afterAll(async () => {
    console.log(`swarm-webseed timings (s): ${JSON.stringify(timings)}`);
    for (const side of Object.values(sides)) {
      await side.proxy.close();
      await side.app.close();
    }
  });

  it('a lone leecher is never refused and downloads at the webseed speed of the plain policy', async () => {
    const swarm = await leech(sides.swarm.fx.hybridTorrent, '127.0.0.11');
    const plain = await leech(sides.plain.fx.hybridTorrent, '127.0.0.12');
    timings.lone = [swarm.seconds, plain.seconds];
    expect([swarm.event, plain.event]).toEqual(['complete', 'complete']);
    expect(sides.swarm.proxy.refusedByClient.get('127.0.0.11') ?? 0).toBe(0);
    expect(sides.swarm.proxy.webseedBytesByClient.get('127.0.0.11')).toBeGreaterThanOrEqual(contentBytes);
    const film = 'film.mkv.locked';
    expect(
      Buffer.compare(readFileSync(join(swarm.dir, sides.swarm.fx.slug, film)), sides.swarm.fx.files.get(film)!),
    ).toBe(0);
    // Loosely: the same order of time as the plain webseed (both are bound by the proxy's rate).
    expect(swarm.seconds).toBeLessThan(3 * plain.seconds + 10);
  }, 240_000);

  it('4 leechers all finish (none stalls): the first alone at full speed, the 3 that come while it seeds are sent to it with 503 + Retry-After when they ask; the plain webseed never refuses', async () => {
    const before = { swarm: sides.swarm.proxy.webseedBodyBytes, plain: sides.plain.proxy.webseedBodyBytes };
    /** One leecher, then 3 together once it is done and seeding (its report comes when it stops). */
    const run = async (side: 'swarm' | 'plain', [first, ...rest]: number[]) => {
      const { proxy, fx } = sides[side];
      // It seeds at 1 MiB/s: slow enough that the later ones also ask the webseed.
      const firstDone = leech(fx.hybridTorrent, `127.0.0.${first}`, 25, ['--upload-limit', String(1024 * 1024)]);
      const t0 = Date.now();
      while (!(proxy.webseedBytesByClient.get(`127.0.0.${first}`)! >= contentBytes) && Date.now() - t0 < 60_000)
        await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1500)); // its completed announce, and the webseed's 1 s view
      const later = await Promise.all(rest.map((n) => leech(fx.hybridTorrent, `127.0.0.${n}`)));
      return [await firstDone, ...later];
    };
    const swarm = await run('swarm', [21, 22, 23, 24]);
    const plain = await run('plain', [31, 32, 33, 34]);
    timings.four = [
      Math.max(...swarm.slice(1).map((r) => r.seconds)),
      Math.max(...plain.slice(1).map((r) => r.seconds)),
    ];
    expect(swarm.map((r) => r.event)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(plain.map((r) => r.event)).toEqual(['complete', 'complete', 'complete', 'complete']);
    const refused = sides.swarm.proxy.refusedByClient;
    expect(refused.get('127.0.0.21') ?? 0).toBe(0);
    // Those that asked the webseed before the seed had given them everything were sent to it.
    expect([22, 23, 24].reduce((n, h) => n + (refused.get(`127.0.0.${h}`) ?? 0), 0)).toBeGreaterThan(0);
    expect(new Set(sides.swarm.proxy.retryAfters)).toEqual(new Set([RETRY_AFTER]));
    expect(sides.plain.proxy.webseedStatuses.get(503) ?? 0).toBe(0);
    // The later three got the content from the seeding first one, not from the origin.
    const copies = (side: 'swarm' | 'plain') => (sides[side].proxy.webseedBodyBytes - before[side]) / contentBytes;
    timings.copies = [copies('swarm'), copies('plain')];
    expect(copies('swarm')).toBeLessThan(copies('plain'));
  }, 240_000);

  it('a lone aria2 fetching the v1 twin, then the hybrid torrent, from one address is never refused (its own announces are not "the swarm")', async () => {
    const { proxy, fx } = sides.swarm;
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
    const film = 'film.mkv.locked';
    expect(Buffer.compare(readFileSync(join(hybrid.dir, fx.slug, film)), fx.files.get(film)!)).toBe(0);
  }, 150_000);

  it("counts exactly the webseed bytes the clients received, in BundleEgress and in the API's /metrics", async () => {
    await new Promise((r) => setTimeout(r, 500)); // bytes still on their way through the proxies
    for (const { app, proxy, fx } of Object.values(sides)) {
      await app.get(EgressRecorder, { strict: false }).flush();
      const rows = await app.get(PrismaService).bundleEgress.findMany({ where: { bundleId: fx.bundleId } });
      expect(rows.map((r) => [r.source, Number(r.bytes)])).toEqual([['WEBSEED', proxy.webseedBodyBytes]]);
      const admin = await createAdminUser(app);
      const metrics = await request(app.getHttpServer() as App)
        .get('/metrics')
        .set(admin.auth)
        .expect(200);
      expect(metrics.text).toContain(
        `keyseed_origin_bytes_total{bundle="${fx.bundleId}",source="webseed"} ${proxy.webseedBodyBytes}`,
      );
    }
  });
});
