/**
 * The premiere minute (docs/key-scheme.md, README "Premieres"): BENCH_BUYERS (20 000) distinct buyers,
 * each with a paid pre-order (ACTIVE license), a registered device and a personal token, for one
 * bundle whose releaseAt is the start of the run. From releaseAt they all ask for their keys within
 * BENCH_SECONDS (60), open loop (each request leaves at its scheduled time, whatever the answers
 * before it): half in the first BENCH_BURST_SECONDS (10), the rest spread over the remaining time,
 * each from its own address. Latency is measured from the scheduled time, so queueing counts.
 *
 *   bench/premiere/run.sh     env: BENCH_BUYERS, BENCH_SECONDS, BENCH_BURST_SECONDS, BENCH_WORKERS (1),
 *                                  BENCH_SOCKETS (256: load generator's connection pool),
 *                                  BENCH_CEILING (1: the same schedule first against a bare node:http
 *                                  server answering a static body of the same size),
 *                                  BENCH_CPU_PROF (a directory: V8 CPU profiles of the API processes),
 *                                  BENCH_PREPOLL (0: that many of the buyers ask once during the 10 s
 *                                  before the release and get 425, as waiting clients do; the last
 *                                  5 s before it are quiet, longer than the token cache keeps them),
 *                                  BENCH_TIMELINE (0: the first that many seconds in 250 ms steps —
 *                                  requests due, answers received, p99 of the requests due),
 *                                  BENCH_IDLE_BEFORE_RELEASE (0: seconds the API sits idle between the
 *                                  ceiling, or its start, and the release: the ceiling's minute without
 *                                  its load on the machine),
 *                                  BENCH_LOAD_NICE (19: the load generator's nice value; 0 as before
 *                                  session 10),
 *                                  BENCH_API_NODE_FLAGS (Node/V8 flags of the API processes only,
 *                                  e.g. `--max-semi-space-size=64`)
 *
 * Reports delivered / refused / errors, p50 / p99 / max, API CPU per request, missing KeyDelivery
 * rows (every 200 must have its audit row). Uses its own database (keyseed_bench_premiere,
 * recreated) and Redis prefix. Not a test.
 */
import cluster from 'node:cluster';
import { fork } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { loadavg, setPriority } from 'node:os';
import { join } from 'node:path';
import { apiCpuMs, serveApi, serveStaticBody, startApiWorkers, useBenchEnv } from '../common/api-cluster';
import { cpuDelta, cpuSnapshot } from '../keys/cpu-accounting';
import type { LoadResult, LoadTarget } from './load';

const buyers = Number(process.env.BENCH_BUYERS ?? 20_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const burstSeconds = Number(process.env.BENCH_BURST_SECONDS ?? 10);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const port = Number(process.env.BENCH_PORT ?? 3927);
const prepoll = Number(process.env.BENCH_PREPOLL ?? 0);

// One prefix for the primary and its workers (they inherit it): rate-limit counters start empty.
process.env.BENCH_REDIS_PREFIX ??= `keyseed_bench_premiere_${Date.now()}`;
useBenchEnv('premiere', port);

/** Open-loop send times (ms from the start): half in the burst, the rest after it, each part uniform. */
function schedule(n: number): number[] {
  const burst = Math.floor(n / 2);
  const times = Array.from({ length: n }, (_, i) =>
    i < burst ? Math.random() * burstSeconds * 1000 : (burstSeconds + Math.random() * (seconds - burstSeconds)) * 1000,
  );
  return times.sort((a, b) => a - b);
}

/**
 * Runs the load generator in its own process (its CPU is its own) and returns its report. The
 * generator stands for 20 000 buyers' own machines, but here it shares two cores with the API,
 * PostgreSQL and Redis, and took 50–70 % of a core in the release's first half second: it runs at
 * nice BENCH_LOAD_NICE so the kernel gives the server side the CPU first. Latency is still measured
 * from each request's scheduled time, so a generator kept waiting can only make it longer.
 */
function runLoad(target: LoadTarget): Promise<LoadResult & { loadCpuMs: number }> {
  return new Promise((resolveLoad, reject) => {
    const child = fork(join(__dirname, 'load.ts'), [], {
      execArgv: ['-r', join(__dirname, '../../scripts/ts-register.js')],
    });
    if (child.pid !== undefined) setPriority(child.pid, Number(process.env.BENCH_LOAD_NICE ?? 19));
    child.once('message', (m: LoadResult & { loadCpuMs: number }) => resolveLoad(m));
    child.once('error', reject);
    child.send(target);
  });
}

async function main(): Promise<void> {
  const { applyMigrations, defaultMigrationsDir, dropDatabase } = await import('@keyseed/database');
  const { generateContentKey, generateDeviceKeyPair, wrapContentKey } = await import('@keyseed/crypto');
  const { keyringFromConfig } = await import('@keyseed/keyring');
  const { loadConfig } = await import('@keyseed/config');
  const { Pool } = await import('pg');
  await dropDatabase(process.env.DATABASE_URL!).catch(() => undefined);
  await applyMigrations(process.env.DATABASE_URL!, defaultMigrationsDir());
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.DATABASE_URL });
  const t0 = Date.now();

  // Fixture in bulk SQL: the creator, the bundle (a 2 000-piece locked film), and per buyer a user,
  // a personal token, a PAID order, an ACTIVE license and a device.
  const creatorId = randomUUID();
  const bundleId = randomUUID();
  const itemId = randomUUID();
  await pool.query(
    `INSERT INTO "User" (id, email, "passwordHash", "displayName", roles) VALUES ($1, $2, 'x', 'Creator', '{CREATOR}')`,
    [creatorId, `creator-${creatorId}@bench.test`],
  );
  await pool.query(
    `INSERT INTO "Bundle" (id, slug, "creatorId", title, status, "pieceLength", "priceAmount", "priceCurrency", "publishedAt", "updatedAt")
     VALUES ($1, $2, $3, 'Premiere', 'PUBLISHED', 1048576, 1000, 'usd', now(), now())`,
    [bundleId, `premiere-${bundleId.slice(0, 8)}`, creatorId],
  );
  const wrapped = wrapContentKey(keyringFromConfig(config), itemId, generateContentKey());
  await pool.query(
    `INSERT INTO "Item" (id, "bundleId", path, position, locked, status, size, "pieceHashesV1", "plaintextSha256", "plaintextPieceRoot", "wrappedKey", "kekId", "updatedAt")
     VALUES ($1, $2, 'film.mkv', 0, true, 'READY', $3, $4, $5, $6, $7, $8, now())`,
    [
      itemId,
      bundleId,
      String(2000 * 1048576),
      randomBytes(2000 * 20),
      randomBytes(32).toString('hex'),
      // As ingest writes it: every delivery seals the piece root too (docs/key-scheme.md).
      randomBytes(32).toString('hex'),
      wrapped.wrappedKey,
      wrapped.kekId,
    ],
  );
  const targets: Omit<LoadTarget['requests'][number], 'at'>[] = [];
  const CHUNK = 2000;
  for (let from = 0; from < buyers; from += CHUNK) {
    const n = Math.min(CHUNK, buyers - from);
    const rows = Array.from({ length: n }, (_, k) => {
      const token = `ks_p_${randomBytes(32).toString('base64url')}`;
      const pair = generateDeviceKeyPair();
      return {
        userId: randomUUID(),
        tokenId: randomUUID(),
        token,
        tokenHash: createHash('sha256').update(token).digest('hex'),
        orderId: randomUUID(),
        licenseId: randomUUID(),
        deviceId: randomUUID(),
        publicKey: pair.publicKey,
        privateKey: pair.privateKey,
        address: `10.${(from + k) >> 16}.${((from + k) >> 8) & 255}.${(from + k) & 255}`,
      };
    });
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    await pool.query(
      `INSERT INTO "User" (id, email, "passwordHash", "displayName", roles)
       SELECT u, 'buyer-' || u || '@bench.test', 'x', 'Buyer', '{BUYER}' FROM unnest($1::uuid[]) AS u`,
      [col('userId')],
    );
    await pool.query(
      `INSERT INTO "ApiToken" (id, "userId", kind, name, prefix, "tokenHash")
       SELECT t, u, 'PERSONAL', 'bench', 'ks_p_', h FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(t, u, h)`,
      [col('tokenId'), col('userId'), col('tokenHash')],
    );
    await pool.query(
      `INSERT INTO "Order" (id, "bundleId", "buyerId", amount, currency, status, "paidAt", "updatedAt")
       SELECT o, $2, u, 1000, 'usd', 'PAID', now(), now() FROM unnest($1::uuid[], $3::uuid[]) AS x(o, u)`,
      [col('orderId'), bundleId, col('userId')],
    );
    await pool.query(
      `INSERT INTO "License" (id, "orderId", "bundleId", "buyerId", status, "updatedAt")
       SELECT l, o, $2, u, 'ACTIVE', now() FROM unnest($1::uuid[], $3::uuid[], $4::uuid[]) AS x(l, o, u)`,
      [col('licenseId'), bundleId, col('orderId'), col('userId')],
    );
    await pool.query(
      `INSERT INTO "Device" (id, "licenseId", "publicKey", name)
       SELECT d, l, k, 'laptop' FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(d, l, k)`,
      [col('deviceId'), col('licenseId'), col('publicKey')],
    );
    for (const r of rows) targets.push(r);
  }
  const fixtureMs = Date.now() - t0;

  // Each API worker accepts its own connections, as the API's own process does in production: with
  // Node's default round-robin this primary accepted every connection and passed it to the worker
  // over IPC, about 5 % of the worker's CPU while the load generator opens its 256 connections,
  // all in the release's first seconds (BENCHMARKS.md, premiere, session 7).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  await startApiWorkers(__filename, workers);

  // One delivery before the premiere: the route answers 425 until releaseAt, and the response size for the ceiling.
  const base = `http://127.0.0.1:${port}`;
  const probeTarget = targets[0];
  const ask = () =>
    fetch(`${base}/v1/licenses/${probeTarget.licenseId}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${probeTarget.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: probeTarget.deviceId }),
    });
  await pool.query(`UPDATE "Bundle" SET "releaseAt" = now() + interval '1 hour' WHERE id = $1`, [bundleId]);
  const early = await ask();
  if (early.status !== 425) throw new Error(`expected 425 before the release, got ${early.status}`);
  await pool.query(`UPDATE "Bundle" SET "releaseAt" = now() - interval '1 hour' WHERE id = $1`, [bundleId]);
  const probe = await ask();
  const bytes = (await probe.arrayBuffer()).byteLength;
  if (probe.status !== 200) throw new Error(`probe delivery failed: ${probe.status}`);
  await pool.query(`DELETE FROM "KeyDelivery"`);

  const times = schedule(buyers);
  const requests = times.map((at, i) => ({ ...targets[i], at }));
  let ceiling: Record<string, unknown> = {};
  if (process.env.BENCH_CEILING !== '0') {
    const bare = cluster.fork({ BENCH_ROLE: 'ceiling', BENCH_CEILING_BYTES: String(bytes) });
    await new Promise((r) => bare.once('message', r));
    const c = await runLoad({ base: `http://127.0.0.1:${port + 1}`, requests, startAt: Date.now() + 1000 });
    ceiling = { ceilingP50ms: c.p50ms, ceilingP99ms: c.p99ms, ceilingMaxMs: c.maxMs, ceilingErrors: c.errors };
    bare.process.kill('SIGINT');
    await new Promise((r) => bare.once('exit', r));
  }

  // The premiere: releaseAt is when the first request leaves; nothing runs at that moment but the clock.
  const idleBeforeMs = Number(process.env.BENCH_IDLE_BEFORE_RELEASE ?? 0) * 1000;
  await new Promise((r) => setTimeout(r, idleBeforeMs));
  const pollStart = Date.now() + 1000;
  const startAt = prepoll > 0 ? pollStart + 15_000 : Date.now() + 2000;
  await pool.query(`UPDATE "Bundle" SET "releaseAt" = $2 WHERE id = $1`, [bundleId, new Date(startAt)]);
  let prepollStatuses: Record<string, number> | undefined;
  if (prepoll > 0) {
    const polls = requests.slice(0, prepoll).map((r, i) => ({ ...r, at: (i * 10_000) / prepoll }));
    prepollStatuses = (await runLoad({ base, requests: polls, startAt: pollStart })).statuses;
  }
  const cpuBefore = await apiCpuMs();
  const machineBefore = cpuSnapshot();
  const load = await runLoad({ base, requests, startAt });
  const apiCpuUsedMs = (await apiCpuMs()) - cpuBefore;
  const machine = cpuDelta(machineBefore, cpuSnapshot(), buyers);
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM "KeyDelivery" k JOIN "License" l ON l.id = k."licenseId" WHERE l."bundleId" = $1`,
    [bundleId],
  );
  const audited = Number(rows[0].n);
  console.log(
    JSON.stringify({
      buyers,
      seconds,
      burst: `${Math.floor(buyers / 2)} in ${burstSeconds} s`,
      workers,
      responseBytes: bytes,
      ...(prepoll > 0 ? { prepoll, prepollStatuses } : {}),
      fixtureSeconds: Math.round(fixtureMs / 1000),
      delivered: load.delivered,
      refused: load.refused,
      errors: load.errors,
      statuses: load.statuses,
      errorKinds: load.errorKinds,
      errorsOnReusedSocket: load.errorsOnReusedSocket,
      errorSocketIdleMaxMs: load.errorSocketIdleMaxMs,
      verifiedSeals: load.verified,
      p50ms: load.p50ms,
      p99ms: load.p99ms,
      maxMs: load.maxMs,
      lateStartP99ms: load.lateStartP99ms,
      slowestSeconds: load.slowestSeconds,
      ...(load.timeline ? { timeline: load.timeline } : {}),
      auditRows: audited,
      missingAuditRows: load.delivered - audited,
      apiCpuMsPerRequest: Number((apiCpuUsedMs / buyers).toFixed(3)),
      loadGeneratorCpuMsPerRequest: Number((load.loadCpuMs / buyers).toFixed(3)),
      postgresCpuMsPerRequest: machine.postgresCpuMsPerRequest,
      machineBusyPct: machine.machineBusyPct,
      loadAverage: loadavg()[0].toFixed(1),
      loadNice: Number(process.env.BENCH_LOAD_NICE ?? 19),
      ...ceiling,
    }),
  );
  for (const id in cluster.workers) cluster.workers[id]?.process.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
  await pool.end();
  process.exit(0);
}

if (process.env.BENCH_ROLE === 'server') void serveApi(port);
else if (process.env.BENCH_ROLE === 'ceiling') void serveStaticBody(port + 1);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
