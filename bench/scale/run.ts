/**
 * Scale-out benchmark, part 1 (docs/operations.md, scaling): tracker announces/s and sealed key
 * deliveries/s with 1 and then 2 API processes (node cluster on one port, the same autocannon, the
 * same run), and CPU per announce of the Redis-backed tracker against the in-memory one it replaced
 * (`bittorrent-tracker`'s Server answering HTTP announces on its own, no framework around it: the
 * engine alone, so a lower bound of the old path). Redis is a redis-server of this run's own, so its
 * CPU is counted exactly (/proc). Not a test. Part 2 (ingest on S3 against the local disk) is
 * ingest.ts; run.sh runs both.
 *
 *   bench/scale/run.sh     env: BENCH_CONNECTIONS (32), BENCH_SECONDS (15), BENCH_PEERS (2000)
 *
 * Uses its own database (keyseed_bench_scale, recreated); needs PostgreSQL, redis-server, autocannon.
 */
import cluster from 'node:cluster';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apiCpuMs, serveApi, startApiWorkers, useBenchEnv } from '../common/api-cluster';
import { createLockedBundle, keyRequestLoad, licensedBuyer } from '../common/key-delivery-fixture';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const peers = Number(process.env.BENCH_PEERS ?? 2000);
const port = Number(process.env.BENCH_PORT ?? 3937);
const redisPort = Number(process.env.BENCH_REDIS_PORT ?? 6397);

useBenchEnv('scale', port, {
  REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  KEY_REQUESTS_PER_MINUTE: '100000000',
  AUTH_REQUESTS_PER_MINUTE: '100000',
  ANNOUNCES_PER_MINUTE: '100000000',
});

/** utime + stime of a process in ms (/proc, 10 ms ticks). */
function processCpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The in-memory tracker: bittorrent-tracker's Server answering HTTP announces on `port`. */
async function serveMemoryTracker(listenPort: number): Promise<void> {
  const { loadTrackerServer } = await import('../../apps/api/src/tracker/tracker-server');
  const Server = loadTrackerServer();
  const server = new Server({
    http: true,
    udp: false,
    ws: false,
    stats: false,
    trustProxy: false,
  }) as unknown as {
    listen(port: number, host: string, cb: () => void): void;
  };
  server.listen(listenPort, '127.0.0.1', () => process.send?.('ready'));
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
}

async function main(): Promise<void> {
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  const { applyMigrations, defaultMigrationsDir, dropDatabase, PrismaService } = await import('@keyseed/database');
  const { loadConfig } = await import('@keyseed/config');
  await dropDatabase(process.env.DATABASE_URL as string).catch(() => undefined);
  await applyMigrations(process.env.DATABASE_URL as string, defaultMigrationsDir());
  const config = loadConfig();

  // A published bundle (its v1 hash is what the peers announce) with one READY locked item.
  const prisma = new PrismaService(config);
  const infoHashV1 = randomBytes(20).toString('hex');
  const { bundleId } = await createLockedBundle(prisma, config, 2000, {
    infoHashV1,
    infoHashV2: randomBytes(32).toString('hex'),
    publishedAt: new Date(),
  });

  await startApiWorkers(__filename, 1);
  const base = `http://127.0.0.1:${port}`;
  const buyer = await licensedBuyer(base, prisma, bundleId);

  const run = promisify(execFile);
  const announceLoad = async (url: string, secs = seconds) =>
    JSON.parse(
      (
        await run(
          process.execPath,
          [join(__dirname, 'announce-load.js'), url, infoHashV1, String(connections), String(secs), String(peers)],
          { maxBuffer: 64 << 20 },
        )
      ).stdout,
    );
  const keysLoad = (secs = seconds) =>
    keyRequestLoad(`${base}/v1/licenses/${buyer.licenseId}/keys`, buyer, connections, secs);
  type Out = { requests: { average: number; total: number }; latency: { p99: number }; non2xx: number; errors: number };
  /**
   * One load against the API processes, after a 3 s warm-up of the same load (a fresh process
   * compiles its hot paths first): rate, p99, CPU ms per request of the API processes and of Redis.
   */
  const measure = async (name: string, load: (secs?: number) => Promise<Out>) => {
    await load(3);
    const [api0, redis0] = [await apiCpuMs(), processCpuMs(redis.pid!)];
    const out = await load();
    const [api1, redis1] = [await apiCpuMs(), processCpuMs(redis.pid!)];
    return {
      name,
      reqPerSec: Math.round(out.requests.average),
      p99ms: out.latency.p99,
      apiCpuMsPerRequest: Number(((api1 - api0) / out.requests.total).toFixed(3)),
      redisCpuMsPerRequest: Number(((redis1 - redis0) / out.requests.total).toFixed(3)),
      non2xx: out.non2xx,
      errors: out.errors,
      loadAverage: loadavg()[0].toFixed(1),
    };
  };

  const results: Awaited<ReturnType<typeof measure>>[] = [];
  results.push(
    await measure('announce, 1 API process (Redis tracker)', (secs) => announceLoad(`${base}/announce`, secs)),
  );
  results.push(await measure('key delivery, 1 API process', (secs) => keysLoad(secs)));
  await startApiWorkers(__filename, 1);
  results.push(
    await measure('announce, 2 API processes (Redis tracker)', (secs) => announceLoad(`${base}/announce`, secs)),
  );
  results.push(await measure('key delivery, 2 API processes', (secs) => keysLoad(secs)));
  for (const id in cluster.workers) cluster.workers[id]?.process.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));

  const memory = cluster.fork({ BENCH_ROLE: 'memory-tracker' });
  await new Promise((r) => memory.once('message', r));
  await announceLoad(`http://127.0.0.1:${port + 1}/announce`, 3);
  const cpu0 = processCpuMs(memory.process.pid!);
  const out = (await announceLoad(`http://127.0.0.1:${port + 1}/announce`)) as Out;
  results.push({
    name: 'announce, in-memory bittorrent-tracker Server alone (1 process)',
    reqPerSec: Math.round(out.requests.average),
    p99ms: out.latency.p99,
    apiCpuMsPerRequest: Number(((processCpuMs(memory.process.pid!) - cpu0) / out.requests.total).toFixed(3)),
    redisCpuMsPerRequest: 0,
    non2xx: out.non2xx,
    errors: out.errors,
    loadAverage: loadavg()[0].toFixed(1),
  });
  memory.process.kill('SIGINT');

  console.log(JSON.stringify({ connections, seconds, peers, results }));
  const perAnnounce = (r: (typeof results)[number]) => r.apiCpuMsPerRequest + r.redisCpuMsPerRequest;
  console.log(
    JSON.stringify({
      cpuPerAnnounceRedisVsMemory: Number((perAnnounce(results[0]) / perAnnounce(results[4])).toFixed(2)),
      announcesScaling2vs1: Number((results[2].reqPerSec / results[0].reqPerSec).toFixed(2)),
      keysScaling2vs1: Number((results[3].reqPerSec / results[1].reqPerSec).toFixed(2)),
    }),
  );
  await prisma.$disconnect();
  redis.kill('SIGTERM');
  process.exit(0);
}

if (process.env.BENCH_ROLE === 'server') void serveApi(port);
else if (process.env.BENCH_ROLE === 'memory-tracker') void serveMemoryTracker(port + 1);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
