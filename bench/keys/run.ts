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
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  apiCpuMs,
  serveApi,
  serveKeyDeliveryFloor,
  serveStaticBody,
  startApiWorkers,
  useBenchEnv,
} from '../common/api-cluster';
import { cpuDelta, cpuSnapshot } from './cpu-accounting';

const root = resolve(__dirname, '../..');
const pieces = Number(process.env.BENCH_PIECES ?? 2000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const port = Number(process.env.BENCH_PORT ?? 3917);

useBenchEnv('keys', port, { KEY_REQUESTS_PER_MINUTE: '100000000', AUTH_REQUESTS_PER_MINUTE: '100000' });

async function main(): Promise<void> {
  const { applyMigrations, defaultMigrationsDir, dropDatabase, PrismaService } = await import('@keyseed/database');
  const { generateContentKey, generateDeviceKeyPair, wrapContentKey } = await import('@keyseed/crypto');
  const { keyringFromConfig } = await import('@keyseed/keyring');
  const { loadConfig } = await import('@keyseed/config');
  await dropDatabase(process.env.DATABASE_URL as string).catch(() => undefined);
  await applyMigrations(process.env.DATABASE_URL as string, defaultMigrationsDir());
  const config = loadConfig();

  // Fixture: buyer (over HTTP below), bundle, 2 000-piece READY item, paid order, license, device.
  const prisma = new PrismaService(config);
  const creator = await prisma.user.create({
    data: {
      email: `creator-${randomUUID()}@bench.test`,
      passwordHash: 'x',
      displayName: 'Creator',
      roles: ['CREATOR'],
    },
  });
  const bundle = await prisma.bundle.create({
    data: {
      slug: `bench-${randomUUID().slice(0, 8)}`,
      title: 'Bench',
      creatorId: creator.id,
      status: 'PUBLISHED',
      pieceLength: 1 << 20,
      priceAmount: 1000,
      priceCurrency: 'usd',
    },
  });
  const itemId = randomUUID();
  const wrapped = wrapContentKey(keyringFromConfig(config), itemId, generateContentKey());
  await prisma.item.create({
    data: {
      id: itemId,
      bundleId: bundle.id,
      path: 'film.mkv',
      position: 0,
      locked: true,
      status: 'READY',
      size: BigInt(pieces) << 20n,
      pieceHashesV1: new Uint8Array(randomBytes(pieces * 20)),
      wrappedKey: new Uint8Array(wrapped.wrappedKey),
      kekId: wrapped.kekId,
      plaintextSha256: randomBytes(32).toString('hex'),
    },
  });

  await startApiWorkers(__filename, workers);

  const base = `http://127.0.0.1:${port}`;
  const email = `buyer-${randomUUID()}@bench.test`;
  const reg = await fetch(`${base}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench password long', displayName: 'Buyer', roles: ['BUYER'] }),
  });
  const { token, user } = (await reg.json()) as { token: string; user: { id: string } };
  const order = await prisma.order.create({
    data: { bundleId: bundle.id, buyerId: user.id, amount: 1000, currency: 'usd', status: 'PAID', paidAt: new Date() },
  });
  const license = await prisma.license.create({ data: { orderId: order.id, bundleId: bundle.id, buyerId: user.id } });
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const dev = await fetch(`${base}/v1/licenses/${license.id}/devices`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ publicKey: generateDeviceKeyPair().publicKey }),
  });
  const device = (await dev.json()) as { id: string };
  const body = JSON.stringify({ deviceId: device.id });
  const probe = await fetch(`${base}/v1/licenses/${license.id}/keys`, { method: 'POST', headers: auth, body });
  const bytes = (await probe.arrayBuffer()).byteLength;
  if (probe.status !== 200) throw new Error(`probe request failed: ${probe.status}`);

  const autocannon = async (url: string) => {
    const args = [
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-H',
      `authorization=Bearer ${token}`,
      '-H',
      'content-type=application/json',
      '-b',
      body,
      '-j',
      url,
    ];
    // Async: in cluster mode the primary process accepts the connections and must stay responsive.
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/autocannon'), args, {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return JSON.parse(stdout);
  };
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
  const out = await autocannon(`${base}/v1/licenses/${license.id}/keys`);
  const apiCpuUsedMs = (await apiCpuMs()) - cpuBefore;
  const others = cpuDelta(machineBefore, cpuSnapshot(), out.requests.total);
  let floor: Record<string, unknown> = {};
  if (process.env.BENCH_FLOOR === '1') {
    const bare = cluster.fork({ BENCH_ROLE: 'floor', BENCH_FLOOR_TOKENS: JSON.stringify({ [token]: user.id }) });
    await new Promise((r) => bare.once('message', r));
    const before = await apiCpuMs([bare]);
    const floorOut = await autocannon(`http://127.0.0.1:${port + 2}/v1/licenses/${license.id}/keys`);
    floor = {
      floorReqPerSec: Math.round(floorOut.requests.average),
      floorP99ms: floorOut.latency.p99,
      floorCpuMsPerRequest: Number((((await apiCpuMs([bare])) - before) / floorOut.requests.total).toFixed(2)),
      floorNon2xx: floorOut.non2xx,
    };
  }
  const deliveries = await prisma.keyDelivery.count({ where: { licenseId: license.id } });
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
