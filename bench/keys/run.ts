/**
 * Sealed key delivery under load (docs/key-scheme.md): one buyer, one ACTIVE license, one device, one
 * READY locked item of 2 000 pieces; autocannon POSTs /v1/licenses/:id/keys {deviceId} over
 * loopback (every request: bearer auth, ownership, license/device/items lookup, rate-limit
 * INCR in Redis, payload v2 (the item's content key), X25519 + HKDF + AES-GCM seal, KeyDelivery
 * row). Not a test.
 *
 *   bench/keys/run.sh            env: BENCH_CONNECTIONS (32), BENCH_SECONDS (20), BENCH_PIECES (2000),
 *                                     BENCH_WORKERS (1: API processes behind one port, node cluster),
 *                                     BENCH_CEILING (1: first the same autocannon against a bare node:http
 *                                     server answering a static body of the same size, i.e. what this
 *                                     machine and autocannon manage right now, whatever the API does)
 *                                     BENCH_FLOOR (1: last, the same autocannon against the floor: the
 *                                     same KeyDeliveryService called from a bare node:http handler,
 *                                     see serveKeyDeliveryFloor; its CPU per request is reported)
 *
 * Uses its own database (keyseed_bench_keys, recreated) and Redis prefix; needs PostgreSQL and Redis.
 */
import cluster from 'node:cluster';
import {
  apiCpuMs,
  serveApi,
  serveKeyDeliveryFloor,
  serveStaticBody,
  startApiWorkers,
  useBenchEnv,
} from '../common/api-cluster';
import { createLockedBundle, keyRequestLoad, licensedBuyer } from '../common/key-delivery-fixture';
import { cpuDelta, cpuSnapshot } from './cpu-accounting';

const pieces = Number(process.env.BENCH_PIECES ?? 2000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const port = Number(process.env.BENCH_PORT ?? 3917);

useBenchEnv('keys', port, { KEY_REQUESTS_PER_MINUTE: '100000000', AUTH_REQUESTS_PER_MINUTE: '100000' });

async function main(): Promise<void> {
  const { applyMigrations, defaultMigrationsDir, dropDatabase, PrismaService } = await import('@keyseed/database');
  const { loadConfig } = await import('@keyseed/config');
  await dropDatabase(process.env.DATABASE_URL as string).catch(() => undefined);
  await applyMigrations(process.env.DATABASE_URL as string, defaultMigrationsDir());
  const config = loadConfig();

  // Fixture: bundle, 2 000-piece READY item; then (over HTTP) buyer, paid order, license, device.
  const prisma = new PrismaService(config);
  const { bundleId } = await createLockedBundle(prisma, config, pieces);

  await startApiWorkers(__filename, workers);

  const base = `http://127.0.0.1:${port}`;
  const buyer = await licensedBuyer(base, prisma, bundleId);
  const { token, licenseId } = buyer;
  const probe = await fetch(`${base}/v1/licenses/${licenseId}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: buyer.keysBody,
  });
  const bytes = (await probe.arrayBuffer()).byteLength;
  if (probe.status !== 200) throw new Error(`probe request failed: ${probe.status}`);

  const autocannon = (url: string) => keyRequestLoad(url, buyer, connections, seconds);
  let ceiling: Record<string, unknown> = {};
  if (process.env.BENCH_CEILING === '1') {
    const bare = cluster.fork({ BENCH_ROLE: 'ceiling', BENCH_CEILING_BYTES: String(bytes) });
    await new Promise((r) => bare.once('message', r));
    const out = await autocannon(`http://127.0.0.1:${port + 1}/`);
    ceiling = { ceilingReqPerSec: Math.round(out.requests.average), ceilingP99ms: out.latency.p99 };
    bare.process.kill('SIGINT');
    await new Promise((r) => bare.once('exit', r));
  }

  const cpuBefore = await apiCpuMs();
  const machineBefore = cpuSnapshot();
  const out = await autocannon(`${base}/v1/licenses/${licenseId}/keys`);
  const apiCpuUsedMs = (await apiCpuMs()) - cpuBefore;
  const others = cpuDelta(machineBefore, cpuSnapshot(), out.requests.total);
  let floor: Record<string, unknown> = {};
  if (process.env.BENCH_FLOOR === '1') {
    const bare = cluster.fork({ BENCH_ROLE: 'floor', BENCH_FLOOR_TOKENS: JSON.stringify({ [token]: buyer.userId }) });
    await new Promise((r) => bare.once('message', r));
    const before = await apiCpuMs([bare]);
    const floorOut = await autocannon(`http://127.0.0.1:${port + 2}/v1/licenses/${licenseId}/keys`);
    floor = {
      floorReqPerSec: Math.round(floorOut.requests.average),
      floorP99ms: floorOut.latency.p99,
      floorCpuMsPerRequest: Number((((await apiCpuMs([bare])) - before) / floorOut.requests.total).toFixed(2)),
      floorNon2xx: floorOut.non2xx,
    };
  }
  const deliveries = await prisma.keyDelivery.count({ where: { licenseId } });
  const result = {
    pieces,
    connections,
    seconds,
    workers,
    responseBytes: bytes,
    reqPerSec: Math.round(out.requests.average),
    p50ms: out.latency.p50,
    p99ms: out.latency.p99,
    maxMs: out.latency.max,
    apiCpuMsPerRequest: Number((apiCpuUsedMs / out.requests.total).toFixed(2)),
    ...others,
    loadAverage: (await import('node:os')).loadavg()[0].toFixed(1),
    non2xx: out.non2xx,
    errors: out.errors,
    timeouts: out.timeouts,
    total: out.requests.total,
    keyDeliveries: deliveries,
    ...ceiling,
    ...floor,
  };
  console.log(JSON.stringify(result));
  for (const id in cluster.workers) cluster.workers[id]?.process.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
  await prisma.$disconnect();
  process.exit(0);
}

if (process.env.BENCH_ROLE === 'server') void serveApi(port);
else if (process.env.BENCH_ROLE === 'ceiling') void serveStaticBody(port + 1);
else if (process.env.BENCH_ROLE === 'floor')
  void serveKeyDeliveryFloor(port + 2, JSON.parse(process.env.BENCH_FLOOR_TOKENS as string) as Record<string, string>);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
