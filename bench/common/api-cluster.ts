/**
 * What bench/keys and bench/premiere share: the environment of a bench run (its own database,
 * Redis prefix and data dir), the API served from a cluster worker (from TypeScript through swc),
 * a bare node:http server answering a static body (the same-run ceiling), and the API workers' CPU.
 */
import cluster from 'node:cluster';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Points this process (and the workers it forks) at bench-only state. */
export function useBenchEnv(name: string, port: number, extra: Record<string, string> = {}): void {
  process.env.BENCH_DATA_DIR ??= mkdtempSync(join(tmpdir(), `keyseed-bench-${name}-`));
  const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
  db.pathname = `/keyseed_bench_${name}`;
  Object.assign(process.env, {
    NODE_ENV: 'development',
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX ?? `keyseed_bench_${name}`,
    DATA_DIR: process.env.BENCH_DATA_DIR,
    LOG_LEVEL: 'silent',
    PORT: String(port),
    ...extra,
  });
}

/** In a cluster worker: the API on `port`; answers 'cpu' messages with its CPU usage. */
export async function serveApi(port: number): Promise<void> {
  const { createApp } = await import('../../apps/api/src/app.factory');
  const app = await createApp();
  await app.listen(port, '127.0.0.1');
  // As main.ts does once it listens (awaited here, so every run starts after it).
  const { addAcceptHandles } = await import('../../apps/api/src/common/accept-handles');
  await addAcceptHandles(app.getHttpServer());
  const { KeyRouteWarmup } = await import('../../apps/api/src/keys/key-route-warmup');
  await app.get(KeyRouteWarmup).warmUp();
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.send?.('ready');
}

/**
 * In a cluster worker: the key-delivery floor. The real app is built (same modules, pools, caches),
 * but `POST /v1/licenses/:id/keys` is answered by a bare node:http handler calling
 * KeyDeliveryService.deliver directly: the same rate-limit script, license query, seal and audited
 * insert, without Express, Nest's pipeline, helmet or the access log. The bearer token is resolved
 * from a map (the real guard's cache hit: a SHA-256 and a map lookup). What the route cannot cost less
 * than with this design, on this machine, at this moment.
 */
export async function serveKeyDeliveryFloor(port: number, tokens: Record<string, string>): Promise<void> {
  const http = await import('node:http');
  const { createHash } = await import('node:crypto');
  const { createApp } = await import('../../apps/api/src/app.factory');
  const { KeyDeliveryService } = await import('../../apps/api/src/keys/key-delivery.service');
  const app = await createApp();
  const keys = app.get(KeyDeliveryService);
  const users = new Map(Object.entries(tokens).map(([t, u]) => [createHash('sha256').update(t).digest('hex'), u]));
  const route = /^\/v1\/licenses\/([0-9a-f-]{36})\/keys$/;
  http
    .createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const licenseId = route.exec(req.url ?? '')?.[1];
        const token = req.headers.authorization?.slice('Bearer '.length) ?? '';
        const userId = users.get(createHash('sha256').update(token).digest('hex'));
        if (!licenseId || !userId) return void res.writeHead(404).end();
        const { deviceId } = JSON.parse(Buffer.concat(chunks).toString()) as { deviceId: string };
        keys.deliver(userId, licenseId, deviceId, undefined, req.socket.remoteAddress ?? '').then(
          (body) =>
            res
              .writeHead(200, {
                'content-type': 'application/json; charset=utf-8',
                'content-length': body.length,
                'cache-control': 'no-store',
              })
              .end(body, 'latin1'),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      });
    })
    .listen(port, '127.0.0.1', () => process.send?.('ready'));
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
}

/** In a cluster worker: every request answered with `BENCH_CEILING_BYTES` static bytes. */
export async function serveStaticBody(port: number): Promise<void> {
  const http = await import('node:http');
  const body = Buffer.alloc(Number(process.env.BENCH_CEILING_BYTES), 'a');
  http
    .createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body),
      );
    })
    .listen(port, '127.0.0.1', () => process.send?.('ready'));
}

/** Forks `count` API workers running `script` (which calls serveApi when BENCH_ROLE=server). */
export async function startApiWorkers(script: string, count: number): Promise<void> {
  cluster.setupPrimary({
    exec: script,
    execArgv: [
      '-r',
      join(__dirname, '../../scripts/ts-register.js'),
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // V8 or Node flags for the API processes only (A/B of GC settings), e.g. `--max-semi-space-size=64`.
      ...(process.env.BENCH_API_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
  await Promise.all(
    Array.from({ length: count }, () => {
      const w = cluster.fork({ BENCH_ROLE: 'server' });
      return new Promise<void>((r) => w.once('message', () => r()));
    }),
  );
}

/** CPU milliseconds used so far by the given cluster workers (default: every API worker). */
export async function apiCpuMs(workers = Object.values(cluster.workers ?? {})): Promise<number> {
  const all = await Promise.all(
    workers.map(
      (w) =>
        new Promise<number>((r) => {
          w?.once('message', (m: { cpu: NodeJS.CpuUsage }) => r((m.cpu.user + m.cpu.system) / 1000));
          w?.send('cpu');
        }),
    ),
  );
  return all.reduce((a, b) => a + b, 0);
}
