/**
 * In-browser unlock benchmark: a locked film (default 1 GiB, a WebM looped from the browser tests'
 * fixture, the platform's default piece length) on a platform started here on loopback, bought over
 * REST, then in Debian's Chromium (headless) through the library page: Watch → first presented
 * frame, seek to 80 % → first frame there, the worker-streamed Download's throughput next to
 * `keyseed unlock` of the same file, and the peak memory of Chromium's renderer processes (the page
 * and its service worker share one) while doing all of it. Not a test: prints a markdown table.
 *
 *   npm run build && node dist/bench/web/run.js
 *   env: BENCH_SIZE_MIB (1024), BENCH_RUNS (3), BENCH_DIR (/tmp/keyseed-bench-web), DATABASE_URL, REDIS_URL
 *   needs ffmpeg (to loop the fixture) and /usr/bin/chromium
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { ensurePlatform } from '../../apps/cli/src/demo/platform';
import { createLockedFilm, type LockedFilm } from '../common/locked-film';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'browser', 'fixtures', 'unlock-film.webm');
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-web';
const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
db.pathname = '/keyseed_bench_web';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The fixture looped (stream copy, no re-encoding) to at least `sizeMiB`, cues up front for seeking. */
function bigFilm(): string {
  const out = join(dir, `film-${sizeMiB}m.webm`);
  if (existsSync(out)) return out;
  const loops = Math.ceil((sizeMiB * 1024 * 1024) / statSync(FIXTURE).size);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-stream_loop',
    String(loops - 1),
    '-i',
    FIXTURE,
    '-c',
    'copy',
    '-cues_to_front',
    '1',
    out,
  ]);
  return out;
}

/** PSS and RSS (MiB) of Chromium's renderer processes (descendants of `browserPid`), summed. */
function rendererMemory(browserPid: number): { pss: number; rss: number } {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const underBrowser = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === browserPid) return true;
    return false;
  };
  let pss = 0;
  let rss = 0;
  for (const pid of parent.keys()) {
    if (!underBrowser(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
    } catch {
      /* exited meanwhile */
    }
  }
  return { pss, rss };
}

/** What the page-side callbacks touch (the bench is compiled without the DOM library). */
interface Video {
  duration: number;
  currentTime: number;
  addEventListener(type: string, cb: () => void, opts: object): void;
}
interface BenchWindow {
  benchClick?: number;
  benchFrame?: number;
  document: { addEventListener(type: string, cb: () => void, opts: object): void };
  performance: { now(): number };
}

/**
 * Watch → first frame: from the click (capture phase) to `loadeddata` (the frame at the current
 * position decoded and ready to show); seek → frame: from setting `currentTime` to `seeked` (the
 * frame at the new position ready). Both measured in the page.
 */
async function watchOnce(context: BrowserContext): Promise<{ firstFrameMs: number; seekMs: number }> {
  const page = await context.newPage();
  try {
    await page.goto('/library');
    const video = page.locator('video.unlock-player').first();
    await video.waitFor({ state: 'attached' });
    await video.evaluate((el) => {
      const v = el as unknown as Video;
      const w = globalThis as unknown as BenchWindow;
      w.document.addEventListener('click', () => (w.benchClick = w.performance.now()), { capture: true, once: true });
      v.addEventListener('loadeddata', () => (w.benchFrame = w.performance.now()), { once: true });
    });
    await page.getByRole('button', { name: 'Watch', exact: true }).first().click();
    await page
      .waitForFunction(() => (globalThis as unknown as BenchWindow).benchFrame !== undefined, undefined, {
        timeout: 60_000,
      })
      .catch(async (err: Error) => {
        const alerts = await page.getByRole('alert').allTextContents();
        throw new Error(`no first frame within 60 s${alerts.length ? `: ${alerts.join(' | ')}` : ''}`, { cause: err });
      });
    const firstFrameMs = await page.evaluate(
      () => (globalThis as unknown as BenchWindow).benchFrame! - (globalThis as unknown as BenchWindow).benchClick!,
    );
    const seekMs = await video.evaluate(
      (el) =>
        new Promise<number>((resolve) => {
          const v = el as unknown as Video;
          const now = () => (globalThis as unknown as BenchWindow).performance.now();
          const t0 = now();
          v.addEventListener('seeked', () => resolve(now() - t0), { once: true });
          v.currentTime = v.duration * 0.8;
        }),
    );
    return { firstFrameMs, seekMs };
  } finally {
    await page.close();
  }
}

async function downloadOnce(context: BrowserContext): Promise<number> {
  const page: Page = await context.newPage();
  try {
    await page.goto('/library');
    const t0 = Date.now();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download', exact: true }).first().click(),
    ]);
    const failure = await download.failure();
    const ms = Date.now() - t0;
    if (failure) throw new Error(`the download failed: ${failure}`);
    // The page says so only once the worker checked the whole file's SHA-256.
    await page.getByRole('status').filter({ hasText: 'downloaded and verified' }).waitFor({ timeout: 10_000 });
    await download.delete().catch(() => undefined);
    return ms;
  } finally {
    await page.close();
  }
}

/** `keyseed unlock` of the same .locked file (fetched from the webseed into a folder first). */
function cliUnlockOnce(api: string, film: LockedFilm): { ms: number; cpuS: number } {
  const folder = join(dir, 'cli', film.slug);
  rmSync(join(dir, 'cli'), { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const name of ['keyseed.json', `${film.path}.locked`])
    execFileSync('curl', ['-sf', '-o', join(folder, name), `${api}/webseed/${film.slug}/${encodeURIComponent(name)}`]);
  const env = {
    ...process.env,
    KEYSEED_API: api,
    KEYSEED_TOKEN: film.buyer.token,
    XDG_CONFIG_HOME: join(dir, 'cli-config'),
  };
  const t0 = Date.now();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%U %S', process.execPath, join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), 'unlock', folder],
    {
      env,
      encoding: 'utf8',
    },
  );
  const ms = Date.now() - t0;
  if (r.status !== 0) throw new Error(`keyseed unlock failed: ${r.stderr.slice(-500)}`);
  const [user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, cpuS: user + sys };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = bigFilm();
  const [port, stripePort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${port}`;
  const dataDir = join(dir, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  const env = {
    ...process.env,
    PORT: String(port),
    PUBLIC_URL: api,
    STRIPE_EMULATOR_PORT: String(stripePort),
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: 'keyseed_bench_web',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    KEY_REQUESTS_PER_MINUTE: '100000',
  };
  const platform = await ensurePlatform({
    repoRoot: ROOT,
    env,
    api,
    stripeBase: `http://127.0.0.1:${stripePort}`,
    logFile: join(dir, 'platform.log'),
    timeoutMs: 120_000,
  });
  const server = await chromium.launchServer({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const browser = await chromium.connect(server.wsEndpoint());
  const browserPid = server.process().pid ?? 0;
  try {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.toString() }) });
    const t0 = Date.now();
    const film = await createLockedFilm({
      api,
      stripeBase: platform.stripeBase,
      file,
      previewPieces: 0,
      timeoutMs: 900_000,
      createAdmin: (email, password) => ensureAdmin(prisma, email, password, 'Bench admin').then(() => undefined),
    }).finally(() => prisma.$disconnect());
    console.error(
      `set up ${(film.size / 2 ** 20).toFixed(0)} MiB film, ${film.pieceLength / 1024} KiB pieces, in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const context = await browser.newContext({ acceptDownloads: true, baseURL: api });
    await context.addInitScript(
      ([session]) => {
        const w = globalThis as unknown as {
          localStorage: { setItem(k: string, v: string): void };
          showSaveFilePicker?: unknown;
        };
        w.localStorage.setItem('keyseed.session', session);
        delete w.showSaveFilePicker;
      },
      [JSON.stringify({ token: film.buyer.token, expiresAt: film.buyer.expiresAt, user: film.buyer.user })],
    );
    // The library page open and idle first: what Chromium itself takes before any unlocking.
    const idlePage = await context.newPage();
    await idlePage.goto('/library');
    await idlePage.getByRole('button', { name: 'Watch', exact: true }).first().waitFor();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rendererMemory(browserPid);
    await idlePage.close();
    let peak = { pss: 0, rss: 0 };
    const sampler = setInterval(() => {
      const m = rendererMemory(browserPid);
      peak = { pss: Math.max(peak.pss, m.pss), rss: Math.max(peak.rss, m.rss) };
    }, 100);

    const watches = [];
    const downloads = [];
    const clis = [];
    const loads: number[] = [];
    for (let i = 0; i < runs; i++) {
      loads.push(loadavg()[0]);
      watches.push(await watchOnce(context));
      downloads.push(await downloadOnce(context));
      clis.push(cliUnlockOnce(api, film));
    }
    clearInterval(sampler);
    const mb = film.size / 1e6;
    const dl = median(downloads);
    const cli = median(clis.map((c) => c.ms));
    const rows = [
      [
        'Watch → first frame',
        `${median(watches.map((w) => w.firstFrameMs)).toFixed(0)} ms`,
        '< 1.5 s',
        watches.map((w) => w.firstFrameMs.toFixed(0)).join(', '),
      ],
      [
        'seek to 80 % → frame',
        `${median(watches.map((w) => w.seekMs)).toFixed(0)} ms`,
        '< 1 s',
        watches.map((w) => w.seekMs.toFixed(0)).join(', '),
      ],
      [
        'browser Download',
        `${(mb / (dl / 1000)).toFixed(0)} MB/s (${(dl / 1000).toFixed(1)} s)`,
        '',
        downloads.map((d) => (d / 1000).toFixed(1)).join(', '),
      ],
      [
        '`keyseed unlock`, same file',
        `${(mb / (cli / 1000)).toFixed(0)} MB/s (${(cli / 1000).toFixed(1)} s, ${median(clis.map((c) => c.cpuS)).toFixed(1)} CPU-s)`,
        '',
        clis.map((c) => (c.ms / 1000).toFixed(1)).join(', '),
      ],
      ['Download ÷ CLI throughput', `${(cli / dl).toFixed(2)}×`, '≥ 0.5×', ''],
      [
        'peak renderer memory (page + worker)',
        `PSS ${peak.pss.toFixed(0)} MiB, RSS ${peak.rss.toFixed(0)} MiB`,
        '< 300 MB',
        `idle library page: PSS ${idle.pss.toFixed(0)} MiB, RSS ${idle.rss.toFixed(0)} MiB`,
      ],
    ];
    console.log(
      `film ${(film.size / 2 ** 20).toFixed(0)} MiB, pieces ${film.pieceLength / 1024} KiB, ${runs} runs, load average at each run ${loads.map((l) => l.toFixed(1)).join(', ')}\n`,
    );
    console.log('| measure | median | target | runs |\n|---|---:|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ watches, downloads, clis, peak, idle, loads }, null, 2));
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await platform.stop();
    for (const f of readdirSync(dir)) if (f === 'cli') rmSync(join(dir, f), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
