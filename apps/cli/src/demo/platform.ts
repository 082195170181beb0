import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

export interface PlatformHandle {
  api: string;
  stripeBase: string;
  /** Whether the demo started it (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

export async function isHealthy(api: string): Promise<boolean> {
  try {
    const res = await fetch(`${api}/health`, { signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Reuses a platform already answering at `api`, or starts one with `scripts/start.js` (migrations,
 * Stripe emulator when there is no STRIPE_SECRET_KEY, API, worker) and waits for /health.
 */
export async function ensurePlatform(opts: {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  api: string;
  stripeBase: string;
  logFile: string;
  timeoutMs: number;
}): Promise<PlatformHandle> {
  if (await isHealthy(opts.api))
    return { api: opts.api, stripeBase: opts.stripeBase, started: false, stop: async () => undefined };
  const log = createWriteStream(opts.logFile);
  const child: ChildProcess = spawn(process.execPath, [join(opts.repoRoot, 'scripts', 'start.js')], {
    cwd: opts.repoRoot,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    log.end();
  };
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the platform exited (code ${child.exitCode}) before it became healthy; see ${opts.logFile}`);
    if (await isHealthy(opts.api)) return { api: opts.api, stripeBase: opts.stripeBase, started: true, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(
    `the platform did not become healthy at ${opts.api} within ${opts.timeoutMs / 1000} s; see ${opts.logFile}`,
  );
}
