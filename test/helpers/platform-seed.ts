import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const SEEDER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'seeder', 'src', 'main.js');

export interface SeederLogLine {
  event?: string;
  bundleId?: string;
  port?: number;
  utp?: boolean;
  [key: string]: unknown;
}

export interface PlatformSeedProcess {
  proc: ChildProcess;
  port: number;
  utp: boolean;
  lines: SeederLogLine[];
  /** Resolves with the first log line (past or future) that matches. */
  waitFor(match: (l: SeederLogLine) => boolean, timeoutMs?: number): Promise<SeederLogLine>;
  /** SIGTERM (last egress counts written), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Runs the compiled platform seed (`npm test` builds first) on this run's database, Redis prefix
 * and data directory, announcing to `publicUrl`, on a free port; resolves once it listens.
 */
export async function startPlatformSeed(
  publicUrl: string,
  env: Record<string, string> = {},
): Promise<PlatformSeedProcess> {
  const proc = spawn(process.execPath, [SEEDER_MAIN], {
    env: {
      ...process.env,
      PUBLIC_URL: publicUrl,
      SEEDER_PORT: '0',
      SEEDER_SYNC_MS: '300',
      EGRESS_FLUSH_MS: '200',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: SeederLogLine[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  proc.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as SeederLogLine);
      } catch {
        continue;
      }
      for (const w of waiters) w();
    }
  });
  const waitFor = (match: (l: SeederLogLine) => boolean, timeoutMs = 30_000) =>
    new Promise<SeederLogLine>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(match);
        if (!hit) return false;
        cleanup();
        resolve(hit);
        return true;
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`the platform seed exited (${proc.exitCode}): ${stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching seeder log line within ${timeoutMs} ms; last lines: ${JSON.stringify(lines.slice(-8))}; stderr: ${stderr.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => void check();
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
        proc.off('exit', onExit);
      };
      if (check()) return;
      waiters.add(waiter);
      proc.once('exit', onExit);
    });
  const listening = await waitFor((l) => l.event === 'seeder.listening');
  return {
    proc,
    port: listening.port!,
    utp: listening.utp === true,
    lines,
    waitFor,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}
