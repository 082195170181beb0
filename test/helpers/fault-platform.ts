import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyseedConfig } from '@keyseed/config';
import { ensureAdmin } from '@keyseed/auth';
import { applyMigrations, defaultMigrationsDir, dropDatabase, PrismaService } from '@keyseed/database';
import { converged, InvariantScope } from './invariants';
import { flushRedisPrefix, freePort } from './processes';
import { PlatformProcess } from './replicas';
import { tusMetadata } from './tus';

/**
 * The fault and concurrency suites run the platform on a PostgreSQL database, Redis prefix and data
 * directory of their own: they terminate backends, kill workers and fill disks, and a worker's
 * sweeper re-enqueues every QUEUED item of its database, so sharing the run's database would let
 * one suite's worker take (and fail) another suite's work.
 */
export interface IsolatedEnv {
  env: Record<string, string>;
  databaseUrl: string;
  dataDir: string;
  /** A Prisma client of the test's own on the isolated database (for the invariant checker). */
  prisma: PrismaService;
  scope(bundleIds: string[]): InvariantScope;
  cleanup(): Promise<void>;
}

/**
 * A migrated database of a suite's own beside the run's (its name + `_<name>`; drop it after). Any
 * suite running a worker on a Redis prefix of its own needs one: workers' sweepers re-enqueue what the
 * database says is pending into their own queues, so on a shared database another suite's worker
 * takes (and fails) this suite's items and bundles.
 */
export async function ownDatabase(name: string): Promise<string> {
  const db = new URL(process.env.DATABASE_URL!);
  db.pathname = `${db.pathname}_${name}`;
  const databaseUrl = db.toString();
  await applyMigrations(databaseUrl, defaultMigrationsDir());
  return databaseUrl;
}

/**
 * For suites whose API and worker run in this process: a database of the suite's own (see
 * ownDatabase) in `process.env.DATABASE_URL` from its first beforeAll to its last afterAll.
 * Call it at the top level of the spec, before any hook that starts the platform.
 */
export function useOwnDatabase(name: string): void {
  const shared = process.env.DATABASE_URL!;
  beforeAll(async () => {
    process.env.DATABASE_URL = await ownDatabase(name);
  });
  afterAll(async () => {
    const own = process.env.DATABASE_URL!;
    process.env.DATABASE_URL = shared;
    if (own !== shared) await dropDatabase(own);
  });
}

export async function isolatedEnv(name: string, overrides: Record<string, string> = {}): Promise<IsolatedEnv> {
  const databaseUrl = await ownDatabase(name);
  const ownDir = overrides.DATA_DIR ? null : mkdtempSync(join(tmpdir(), `ks-${name}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}_${name}`,
    DATA_DIR: ownDir ?? overrides.DATA_DIR,
    KEYSEED_KEK: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
    AUTH_REQUESTS_PER_MINUTE: '100000',
    WEBSEED_POLICY: 'plain',
    // Quick recovery: a killed worker's job is taken over after ~1 s, lost jobs re-created every 0.5 s.
    JOB_LOCK_MS: '1000',
    SWEEP_INTERVAL_MS: '500',
    JOB_RETRY_DELAY_MS: '200',
    INGEST_CONCURRENCY: '2',
    INGEST_THREADS: '1',
    ...overrides,
  };
  const prisma = new PrismaService({ DATABASE_URL: databaseUrl } as KeyseedConfig);
  return {
    env,
    databaseUrl,
    dataDir: env.DATA_DIR,
    prisma,
    scope: (bundleIds) => ({ dataDir: env.DATA_DIR, bundleIds }),
    cleanup: async () => {
      await prisma.$disconnect();
      await dropDatabase(databaseUrl);
      if (env.REDIS_URL === process.env.REDIS_URL) flushRedisPrefix(env.REDIS_URL, env.REDIS_PREFIX);
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/** The API from dist/ on a free port of its own; `url` is its base URL. */
export async function startApi(env: Record<string, string>): Promise<{ proc: PlatformProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = new PlatformProcess('api', 'apps/api/src/main.js', {
    ...process.env,
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
  });
  await proc.waitFor('api.listening', 120_000).catch((err: Error) => {
    throw new Error(`${err.message}\n(alive: ${proc.alive}, exit: ${proc.child.exitCode ?? proc.child.signalCode})`);
  });
  return { proc, url };
}

/** The worker from dist/, once it has started its queues. */
export async function startWorker(env: Record<string, string>): Promise<PlatformProcess> {
  const proc = new PlatformProcess('worker', 'apps/worker/src/main.js', { ...process.env, ...env });
  await proc.waitFor('worker.ready', 120_000);
  return proc;
}

/** A fault suite's platform from dist/: its isolated environment, the API and a worker on it. */
export interface FaultPlatform {
  iso: IsolatedEnv;
  api: { proc: PlatformProcess; url: string };
  worker: PlatformProcess;
}

/** isolatedEnv(name, overrides), then the API and a worker on it, started side by side. */
export async function startFaultPlatform(name: string, overrides: Record<string, string> = {}): Promise<FaultPlatform> {
  const iso = await isolatedEnv(name, overrides);
  const [api, worker] = await Promise.allSettled([startApi(iso.env), startWorker(iso.env)]);
  if (api.status === 'fulfilled' && worker.status === 'fulfilled') return { iso, api: api.value, worker: worker.value };
  await stopFaultPlatform({
    iso,
    api: api.status === 'fulfilled' ? api.value : undefined,
    worker: worker.status === 'fulfilled' ? worker.value : undefined,
  });
  throw api.status === 'rejected' ? api.reason : (worker as PromiseRejectedResult).reason;
}

/** Stops whatever of a fault suite's platform was started: the worker (SIGKILL), the API, then its environment. */
export async function stopFaultPlatform(p: {
  iso?: IsolatedEnv;
  api?: { proc: PlatformProcess };
  worker?: PlatformProcess | null;
}): Promise<void> {
  await p.worker?.stop('SIGKILL');
  await p.api?.proc.stop();
  await p.iso?.cleanup();
}

/** One HTTP answer, whatever its status (a fault test judges every status itself). */
export interface Answer {
  status: number;
  text: string;
  json: () => Record<string, unknown>;
  headers: Headers;
  ms: number;
}

/** A creator's calls against one API base URL (plain fetch: the API may run in another process). */
export class CreatorClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  static async register(url: string, roles: string[] = ['CREATOR']): Promise<CreatorClient> {
    const email = `${roles.join('-').toLowerCase()}-${randomBytes(6).toString('hex')}@example.test`;
    const res = await call(url, 'POST', '/v1/auth/register', {
      json: { email, password: 'correct horse battery staple', displayName: 'Fault', roles },
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
    return new CreatorClient(url, res.json().token as string);
  }

  /** An admin made on the isolated database (as `keyseed admin create` does), logged in at `url`. */
  static async admin(url: string, prisma: PrismaService): Promise<CreatorClient> {
    const email = `admin-${randomBytes(4).toString('hex')}@example.test`;
    await ensureAdmin(prisma, email, 'admin password long enough');
    const login = await call(url, 'POST', '/v1/auth/login', {
      json: { email, password: 'admin password long enough' },
    });
    return new CreatorClient(url, login.json().token as string);
  }

  request(method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
    return call(this.url, method, path, {
      ...opts,
      headers: { Authorization: `Bearer ${this.token}`, ...opts.headers },
    });
  }

  /** A bundle with items (`{ path, locked? }`), answered ids in order. */
  async bundleWith(title: string, items: Array<{ path: string; locked?: boolean }>) {
    const b = await this.request('POST', '/v1/bundles', { json: { title } });
    if (b.status !== 201) throw new Error(`create bundle: ${b.status} ${b.text}`);
    const bundleId = b.json().id as string;
    const i = await this.request('POST', `/v1/bundles/${bundleId}/items`, { json: { items } });
    if (i.status !== 201) throw new Error(`add items: ${i.status} ${i.text}`);
    return { bundleId, itemIds: (i.json().items as Array<{ id: string }>).map((x) => x.id) };
  }

  /** tus creation with the first `firstBytes` of `body` (creation-with-upload); the upload's path. */
  async createUpload(bundleId: string, itemId: string, body: Buffer, firstBytes = body.length): Promise<Answer> {
    return this.request('POST', '/v1/uploads', {
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(body.length),
        'Upload-Metadata': tusMetadata({ bundleId, itemId }),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: body.subarray(0, firstBytes),
    });
  }

  patchUpload(location: string, offset: number, bytes: Buffer, timeoutMs?: number): Promise<Answer> {
    return this.request('PATCH', new URL(location).pathname, {
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: bytes,
      timeoutMs,
    });
  }

  headUpload(location: string): Promise<Answer> {
    return this.request('HEAD', new URL(location).pathname, { headers: { 'Tus-Resumable': '1.0.0' } });
  }

  /** A whole upload in one request; throws unless it completed. */
  async upload(bundleId: string, itemId: string, body: Buffer): Promise<void> {
    const res = await this.createUpload(bundleId, itemId, body);
    if (res.status !== 201 || res.headers.get('upload-offset') !== String(body.length))
      throw new Error(`upload: ${res.status} ${res.text}`);
  }
}

export interface CallOptions {
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(opts.json !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
    body: opts.json !== undefined ? JSON.stringify(opts.json) : (opts.body as Uint8Array<ArrayBuffer> | undefined),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
    headers: res.headers,
    ms: Date.now() - started,
  };
}

/** Waits for no pending work and no invariant violation; fails the test with the violations otherwise. */
export async function expectConverged(isolated: IsolatedEnv, bundleIds: string[], timeoutMs = 30_000): Promise<void> {
  const problems = await converged(isolated.prisma, isolated.scope(bundleIds), timeoutMs);
  expect(problems).toEqual([]);
}
