import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

/** A process of ours under test: its output so far, and how to stop it. */
export interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<string>;
  /** Sends `signal` (SIGKILL by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<string>;
}

function track(child: ChildProcess): Child {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? `code ${code}`)));
  return {
    process: child,
    output: () => out,
    exited,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs an app's `main.ts` from sources (no build) with `env` over this process's environment. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string>): Child {
  const main = join(ROOT, 'apps', app, 'src', 'main.ts');
  return track(
    spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(ROOT, 'scripts/ts-register.js'))}); require(${JSON.stringify(main)});`],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

/** Waits until `child` printed a line matching `pattern` (or fails if it exits first). */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(child.output())) {
    if (child.process.exitCode !== null) throw new Error(`process exited before ${pattern}: ${child.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms: ${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of the test's own on `port` (tests that kill Redis never touch the shared one). */
export async function startRedis(port: number): Promise<Child> {
  const child = track(
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      return child;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start: ${child.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Deletes every Redis key under `prefix` (what a Redis that lost its data looks like to the app). */
export function flushRedisPrefix(redisUrl: string, prefix: string): void {
  const { hostname, port } = new URL(redisUrl);
  const script = `for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1`;
  execFileSync('redis-cli', ['-h', hostname, '-p', port || '6379', 'EVAL', script, '0', `${prefix}:*`], {
    stdio: 'pipe',
  });
}

/** Terminates every other backend connected to the database of `databaseUrl`; returns how many. */
export async function terminateBackends(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Resolves once some backend of the database waits on a row lock (a transaction blocked behind ours). */
export async function waitForLockWaiter(databaseUrl: string, timeoutMs = 60_000): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await client.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (res.rowCount) return;
      if (Date.now() > deadline) throw new Error(`no transaction waited on a lock within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await client.end();
  }
}

/** Terminates the backends of the database that wait on a lock (a request stuck behind a held row); returns how many. */
export async function terminateLockWaiters(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * Holds `SELECT … FOR UPDATE` on one row from a connection of its own until released. `NO KEY
 * UPDATE` still blocks the platform's row locks (lockRow) but lets rows referencing this one be
 * inserted (their foreign-key check only shares the key).
 */
export async function holdRowLock(
  databaseUrl: string,
  table: 'Bundle' | 'Item',
  id: string,
  mode: 'UPDATE' | 'NO KEY UPDATE' = 'UPDATE',
) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT id FROM "${table}" WHERE id = $1::uuid FOR ${mode}`, [id]);
  return {
    client,
    release: async (sql?: { text: string; values: unknown[] }) => {
      if (sql) await client.query(sql.text, sql.values);
      await client.query('COMMIT');
      await client.end();
    },
  };
}
