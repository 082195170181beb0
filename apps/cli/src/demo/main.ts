import 'reflect-metadata';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureAdmin } from '@keyseed/auth';
import { loadConfig } from '@keyseed/config';
import { withDatabase } from '../admin/admin.commands';
import { runDemoFlow } from './demo-flow';
import { ensurePlatform, type PlatformHandle } from './platform';

/**
 * `npm run demo`: the whole story on one machine with PostgreSQL and Redis up and no Stripe account.
 * Starts the platform when nothing answers at PUBLIC_URL (and stops it at the end), then runs
 * runDemoFlow and ends with one line: `DEMO OK: …` (exit 0) or `DEMO FAILED: …` (exit 1).
 * Environment: DEMO_FILM_MB (default 100), DEMO_TRAILER_KB (default 512), DEMO_KEEP=1 keeps the
 * scratch folder, plus the platform's own variables (.env is read like `npm start` does).
 */
async function main(): Promise<number> {
  const t0 = Date.now();
  const repoRoot = findRepoRoot(__dirname);
  process.chdir(repoRoot);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  const api = `http://${host}:${config.PORT}`;
  const stripeBase = config.STRIPE_API_BASE ?? `http://127.0.0.1:${config.STRIPE_EMULATOR_PORT}`;
  const filmBytes = Math.round(Number(process.env.DEMO_FILM_MB ?? 100) * 1024 * 1024);
  const trailerBytes = Math.round(Number(process.env.DEMO_TRAILER_KB ?? 512) * 1024);
  const workDir = mkdtempSync(join(tmpdir(), 'keyseed-demo-'));
  const log = (l: string) => process.stdout.write(`${l}\n`);
  let platform: PlatformHandle | null = null;
  const cleanup = async () => {
    await platform?.stop();
    if (process.env.DEMO_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    log('DEMO FAILED: interrupted');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`Keyseed demo — platform ${api}, scratch ${workDir}`);
    const tp = Date.now();
    platform = await ensurePlatform({
      repoRoot,
      env: process.env,
      api,
      stripeBase,
      logFile: join(workDir, 'platform.log'),
      timeoutMs: 120_000,
    });
    log(
      platform.started
        ? `  ✓ started the platform (npm start: migrations, Stripe emulator, API, worker) (${((Date.now() - tp) / 1000).toFixed(1)} s)`
        : '  ✓ using the platform already running',
    );
    if (config.STRIPE_SECRET_KEY)
      throw new Error(
        'STRIPE_SECRET_KEY is set: the demo pays through the local Stripe emulator only; unset it to run the demo',
      );
    const result = await runDemoFlow({
      api,
      stripeBase,
      filmBytes,
      trailerBytes,
      workDir,
      cliMain: join(repoRoot, 'dist', 'apps', 'cli', 'src', 'main.js'),
      createAdmin: (email, password) =>
        withDatabase(async (prisma) => {
          await ensureAdmin(prisma, email, password, 'Demo admin');
        }),
      log,
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const summary = result.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)}s`).join(', ');
    log(`\nTimings: ${summary}`);
    log(
      `DEMO OK: bundle ${result.slug} (${(filmBytes / 1048576).toFixed(0)} MiB film) uploaded, ingested, published, sold, downloaded over BitTorrent (${(result.downloadedBytes / 1048576).toFixed(1)} MiB received) and unlocked byte-identical in ${secs} s`,
    );
    return 0;
  } catch (err) {
    log(
      `DEMO FAILED: ${(err as Error).message}${platform?.started ? ` (platform log: ${join(workDir, 'platform.log')}${process.env.DEMO_KEEP === '1' ? '' : ', removed; DEMO_KEEP=1 keeps it'})` : ''}`,
    );
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

function findRepoRoot(from: string): string {
  for (let d = from; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'scripts', 'start.js'))) return d;
  }
  throw new Error(`cannot find the Keyseed repository above ${from}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stdout.write(`DEMO FAILED: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
