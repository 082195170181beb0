/**
 * Swarm benchmark: a published bundle (BENCH_SIZE_MIB, default 320 MiB, 4 MiB pieces) downloaded by
 * N libtorrent leechers started together (each bound to its own 127.0.0.N, as separate buyers), with
 * the platform seed running, once with WEBSEED_POLICY=swarm and once with plain; then N = 10 with one
 * external libtorrent seed present. Reports origin bytes (webseed + platform seed, from BundleEgress)
 * ÷ content size, cross-checked by a counting proxy for the webseed, and the slowest leecher's time.
 * Not a test (not in npm test): prints a markdown table. Needs `npm run build` (the seed runs from dist/).
 *
 *   bench/swarm/run.sh    env: BENCH_SIZE_MIB (320), BENCH_NS (4,10), BENCH_WEBSEED_RATE (bytes/s per
 *                         webseed response, 8388608), BENCH_SEED_LIMIT (platform seed upload, bytes/s, 8388608),
 *                         BENCH_RETRY_AFTER (30), DATABASE_URL (database keyseed_bench_swarm is created next to it),
 *                         BENCH_PIECE_SOURCES=1 (diagnosis: which source sent each piece to whom, and when the
 *                         slowest leecher's last pieces arrived; libtorrent's block alerts cost the leechers CPU)
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyMigrations, createDatabaseIfMissing, defaultMigrationsDir, PrismaService } from '@keyseed/database';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { SWARM_PEERS, type SwarmPeersProvider } from '../../apps/api/src/webseed/swarm-peers';
import { useBenchEnv } from '../common/api-cluster';
import { startCountingProxy, type CountingProxy } from '../../test/helpers/counting-proxy';
import { startPlatformSeed } from '../../test/helpers/platform-seed';
import { createPublishedBundle, INTEROP_DIR, PublishedFixture, PYTHON } from '../../test/helpers/published-bundle';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 320);
const ns = (process.env.BENCH_NS ?? '4,10').split(',').map(Number);
const rate = Number(process.env.BENCH_WEBSEED_RATE ?? 8 * MiB);
const seedLimit = process.env.BENCH_SEED_LIMIT ?? String(8 * MiB);
const retryAfter = process.env.BENCH_RETRY_AFTER ?? '30';
/** Diagnosis: which pieces each source sent (libtorrent block alerts: costs the leechers CPU). */
const pieceSources = process.env.BENCH_PIECE_SOURCES === '1';

interface Leech {
  event: string;
  seconds: number;
  /** Payload bytes per source: `web <ip>` for web seeds, `<ip>:<port>` for peers. */
  sources?: Record<string, number>;
  /** [seconds, pieces held, pieces lacked that none of its peers held] every half second until complete. */
  progress?: [number, number, number][];
  /** With --piece-sources: per source (`web` or `<ip>:<port>`), the pieces it sent blocks of. */
  piece_sources?: Record<string, number[]>;
  last_lacked?: unknown[];
  piece_times?: Record<string, number>;
}

/** How many times the origin sent each piece (to any leecher), by source: where the duplicates are. */
function originSends(reports: Leech[], seedAddress: string, pieces: number): string {
  const web = new Uint32Array(pieces);
  const seed = new Uint32Array(pieces);
  for (const r of reports) {
    for (const i of r.piece_sources?.web ?? []) web[i]++;
    for (const i of r.piece_sources?.[seedAddress] ?? []) seed[i]++;
  }
  let once = 0;
  let webTwice = 0;
  let seedTwice = 0;
  let both = 0;
  for (let i = 0; i < pieces; i++) {
    if (web[i] + seed[i] === 1) once++;
    webTwice += Math.max(0, web[i] - 1);
    seedTwice += Math.max(0, seed[i] - 1);
    if (web[i] && seed[i]) both++;
  }
  return `${once} pieces sent once; extra sends: webseed again ${webTwice}, seed again ${seedTwice}, by both ${both}`;
}

/**
 * Per second: the pieces held by the leecher with the fewest and by the median one, and the most
 * pieces a leecher lacked that none of its peers held (waiting for the origin, not for its peers).
 */
function progressLine(reports: Leech[], pieces: number): string {
  const out: string[] = [];
  const end = Math.ceil(Math.max(...reports.map((r) => r.seconds)));
  for (let t = 1; t <= end; t++) {
    const at = reports.map((r) => {
      if (r.seconds <= t) return [pieces, 0];
      const last = (r.progress ?? []).filter(([s]) => s <= t).at(-1);
      return last ? [last[1], last[2]] : [0, 0];
    });
    const held = at.map(([h]) => h).sort((a, b) => a - b);
    out.push(`${t}s ${held[0]}/${held[held.length >> 1]}/${Math.max(...at.map(([, u]) => u))}`);
  }
  return out.join(', ');
}

function leech(torrent: string, bind: string): Promise<Leech> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-bench-swarm-'));
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [
        join(INTEROP_DIR, 'lt_swarm_leech.py'),
        torrent,
        dir,
        '1800',
        '--tcp-only',
        '--bind',
        bind,
        ...(pieceSources ? ['--piece-sources'] : []),
      ],
      { cwd: INTEROP_DIR, maxBuffer: 1 << 24 },
      (_err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Leech);
        } catch {
          console.log(`  leecher ${bind} failed: ${stdout.slice(-500)} ${stderr.slice(-1500)}`);
          resolve({ event: 'failed', seconds: NaN });
        }
      },
    );
  });
}

interface Side {
  app: NestExpressApplication;
  proxy: CountingProxy;
  fx: PublishedFixture;
}

async function side(policy: 'swarm' | 'plain'): Promise<Side> {
  process.env.WEBSEED_POLICY = policy;
  const { createApp } = await import('../../apps/api/src/app.factory');
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const proxy = await startCountingProxy(
    `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
    {
      webseedBytesPerSecond: rate,
    },
  );
  const fx = await createPublishedBundle(app, {
    publicUrl: proxy.url,
    pieceLength: 4 * MiB,
    items: [{ path: 'film.mkv', locked: true, size: sizeMiB * MiB + 12_345 }],
  });
  return { app, proxy, fx };
}

async function originBytes(s: Side): Promise<{ webseed: number; seed: number }> {
  await s.app.get(EgressRecorder, { strict: false }).flush();
  const rows = await s.app.get(PrismaService).bundleEgress.findMany({ where: { bundleId: s.fx.bundleId } });
  const of = (src: string) => rows.filter((r) => r.source === src).reduce((a, r) => a + Number(r.bytes), 0);
  return { webseed: of('WEBSEED'), seed: of('SEED') };
}

/** The hybrid swarm as the webseed's policy sees it: seeders and leechers listed at other addresses than the platform's. */
async function listed(s: Side): Promise<string> {
  const [hybrid] = await s.app
    .get<SwarmPeersProvider>(SWARM_PEERS, { strict: false })
    .peers([[s.fx.infoHashV1, s.fx.infoHashV2]]);
  const others = hybrid.filter((p) => p.ip !== '127.0.0.1');
  return `${others.filter((p) => p.seeder).length} seeders, ${others.filter((p) => !p.seeder).length} leechers`;
}

/** Clients of this case the webseed served, and those it refused (503) at least once. */
function admissions(s: Side, clients: string[]): string {
  const fed = clients.filter((c) => (s.proxy.webseedBytesByClient.get(c) ?? 0) > 0).length;
  const refused = clients.filter((c) => (s.proxy.refusedByClient.get(c) ?? 0) > 0).length;
  return `${fed} fed, ${refused} refused`;
}

async function main(): Promise<void> {
  useBenchEnv('swarm', 0, { WEBSEED_RETRY_AFTER_SECONDS: retryAfter, EGRESS_FLUSH_MS: '200', LOG_LEVEL: 'warn' });
  await createDatabaseIfMissing(process.env.DATABASE_URL!);
  await applyMigrations(process.env.DATABASE_URL!, defaultMigrationsDir());
  const sides = { swarm: await side('swarm'), plain: await side('plain') };
  const content = sizeMiB * MiB + 12_345;
  // One platform seed seeds both bundles; both APIs keep their swarms in the same Redis.
  const platformSeed = await startPlatformSeed(sides.swarm.proxy.url, { SEEDER_UPLOAD_LIMIT: seedLimit });
  await new Promise((r) => setTimeout(r, 5000)); // the seeds add the bundles; the trackers' indexes see them
  const rows: string[] = [];
  let host = 2;
  const cases = [...ns.map((n) => ({ n, external: false })), { n: 10, external: true }];
  for (const c of cases) {
    for (const policy of ['swarm', 'plain'] as const) {
      const s = sides[policy];
      let external: ReturnType<typeof spawn> | null = null;
      if (c.external) {
        external = spawn(PYTHON, [join(INTEROP_DIR, 'lt_seed.py'), s.fx.parentDir, '3600', s.fx.hybridTorrent], {
          cwd: INTEROP_DIR,
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        await new Promise<void>((r) => external!.stdout!.on('data', (d: Buffer) => d.includes('seeding') && r()));
        await new Promise((r) => setTimeout(r, 3000));
      }
      const before = await originBytes(s);
      const proxyBefore = s.proxy.webseedBodyBytes;
      const swarmBefore = await listed(s);
      const load = loadavg()[0].toFixed(1);
      const t0 = Date.now();
      const clients = Array.from({ length: c.n }, () => `127.0.0.${host++}`);
      // Origin bytes so far, every second: how fast each source fed the swarm, and when it stopped.
      const timeline: string[] = [];
      const sampler = setInterval(() => {
        void originBytes(s).then((o) => {
          const mib = (n: number) => ((n / MiB) | 0).toString();
          timeline.push(
            `${((Date.now() - t0) / 1000).toFixed(0)}s ${mib(s.proxy.webseedBodyBytes - proxyBefore)}+${mib(o.seed - before.seed)}`,
          );
        });
      }, 1000);
      const reports = await Promise.all(clients.map((ip) => leech(s.fx.hybridTorrent, ip)));
      clearInterval(sampler);
      const wall = (Date.now() - t0) / 1000;
      external?.stdin?.end();
      await new Promise((r) => setTimeout(r, 1500));
      const after = await originBytes(s);
      const web = after.webseed - before.webseed;
      const seed = after.seed - before.seed;
      const proxied = s.proxy.webseedBodyBytes - proxyBefore;
      const slowest = Math.max(...reports.map((r) => r.seconds));
      const done = reports.filter((r) => r.event === 'complete').length;
      rows.push(
        `| ${c.n}${c.external ? ' + external seed' : ''} | ${policy} | ${done}/${c.n} | ${((web + seed) / content).toFixed(2)} | ${(web / content).toFixed(2)} (proxy ${(proxied / content).toFixed(2)}) | ${(seed / content).toFixed(2)} | ${slowest.toFixed(1)} (wall ${wall.toFixed(0)}) | ${admissions(s, clients)} | ${swarmBefore} | ${load} → ${loadavg()[0].toFixed(1)} |`,
      );
      console.log(rows.at(-1));
      console.log(`  origin MiB so far (webseed+seed): ${timeline.join(', ')}`);
      const seedAddress = `127.0.0.1:${platformSeed.port}`;
      const mibOf = (r: Leech, pick: (k: string) => boolean) =>
        (Object.entries(r.sources ?? {}).reduce((a, [k, v]) => (pick(k) ? a + v : a), 0) / MiB).toFixed(0);
      const finish = reports
        .map(
          (r) =>
            `${r.seconds.toFixed(1)}s ${mibOf(r, (k) => k.startsWith('web '))}/${mibOf(r, (k) => k === seedAddress)}/${mibOf(r, (k) => !k.startsWith('web ') && k !== seedAddress)}`,
        )
        .sort((a, b) => parseFloat(a) - parseFloat(b));
      console.log(`  leechers' finish and MiB from webseed/platform seed/peers: ${finish.join(', ')}`);
      if (pieceSources) {
        console.log(`  origin sends per piece: ${originSends(reports, seedAddress, Math.ceil(content / (4 * MiB)))}`);
        const slowest = [...reports].sort((a, b) => b.seconds - a.seconds)[0];
        console.log(
          `  slowest leecher's last pieces [s, [[piece, peers holding]]]: ${JSON.stringify(slowest.last_lacked)}`,
        );
        const last = [
          ...new Set(
            ((slowest.last_lacked ?? []) as [number, [number, number][]][]).flatMap(([, l]) => l.map(([i]) => i)),
          ),
        ];
        for (const i of last)
          console.log(
            `  piece ${i}, when each leecher got it (from): ${reports
              .map((r, k) => {
                const from = Object.entries(r.piece_sources ?? {})
                  .filter(([, ps]) => ps.includes(i))
                  .map(([src]) =>
                    src === seedAddress ? 'seed' : src === 'web' ? 'web' : src.split(':')[0].split('.')[3],
                  );
                return `#${clients[k].split('.')[3]} ${r.piece_times?.[i] ?? '?'}s(${from.join('+')}) done ${r.seconds.toFixed(1)}`;
              })
              .join(', ')}`,
          );
      }
      console.log(
        `  pieces held (fewest/median of ${Math.ceil(content / (4 * MiB))}) / most lacked that no peer held: ${progressLine(reports, Math.ceil(content / (4 * MiB)))}`,
      );
    }
  }
  console.log(
    `\n${sizeMiB} MiB, 4 MiB pieces, webseed ${rate} B/s per response, seed limit ${seedLimit} B/s, Retry-After ${retryAfter} s\n`,
  );
  console.log(
    '| N | policy | complete | origin copies | webseed copies | seed copies | slowest s | webseed | listed before (not the platform) | load avg |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  await platformSeed.stop();
  for (const s of Object.values(sides)) {
    await s.proxy.close();
    await s.app.close();
  }
  process.exit(0);
}

void main();
