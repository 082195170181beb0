import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { runDemoFlow, type DemoResult } from '../../apps/cli/src/demo/demo-flow';
import { ensurePlatform, type PlatformHandle } from '../../apps/cli/src/demo/platform';
import { freePort } from './processes';

const ROOT = join(__dirname, '..', '..');
/** The built CLI (dist/): what the demo's download and unlock steps run. */
export const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

/** The steps of a demo flow that ran to its end, in order. */
export const DEMO_STEPS = [
  'accounts',
  'sample',
  'bundle',
  'tus upload',
  'ingest+publish',
  'price',
  'payouts',
  'login',
  'buy',
  'download',
  'unlock',
  'compare',
];

export interface DemoOnPlatform {
  platform: PlatformHandle;
  api: string;
  demo: DemoResult;
}

/**
 * The processes `npm start` runs (scripts/start.js, from dist/) on free ports, with `env` over this
 * process's environment and the platform seed on any free port; then the demo flow against them
 * with a `filmBytes` film, its admin made with ensureAdmin on `databaseUrl`. A demo that fails
 * stops the platform before it throws.
 */
export async function runDemoOnPlatform(o: {
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  /** Where the platform's log goes (platform.log). */
  logDir: string;
  /** The demo's scratch folder. */
  workDir: string;
  filmBytes: number;
  stepTimeoutMs: number;
  adminName: string;
}): Promise<DemoOnPlatform> {
  const [port, stripePort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${port}`;
  const platform = await ensurePlatform({
    repoRoot: ROOT,
    env: {
      ...process.env,
      ...o.env,
      PORT: String(port),
      PUBLIC_URL: api,
      STRIPE_EMULATOR_PORT: String(stripePort),
      SEEDER_PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    api,
    stripeBase: `http://127.0.0.1:${stripePort}`,
    logFile: join(o.logDir, 'platform.log'),
    timeoutMs: 90_000,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: o.databaseUrl }) });
  try {
    const demo = await runDemoFlow({
      api,
      stripeBase: platform.stripeBase,
      filmBytes: o.filmBytes,
      trailerBytes: 20_000,
      workDir: o.workDir,
      cliMain: CLI,
      createAdmin: async (email, password) => {
        await ensureAdmin(prisma, email, password, o.adminName);
      },
      log: () => undefined,
      stepTimeoutMs: o.stepTimeoutMs,
    });
    return { platform, api, demo };
  } catch (err) {
    await platform.stop();
    throw err;
  } finally {
    await prisma.$disconnect();
  }
}
