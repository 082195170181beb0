/**
 * In-browser unlock benchmark: a locked film (default 1 GiB, a WebM looped from the browser tests'
 * fixture, the platform's default piece length) on a platform started here on loopback, bought over
 * REST, then in Debian's Chromium (headless) through the library page: Watch → first presented
 * frame, seek to 80 % → first frame there, Download through File System Access (Chromium's path; the
 * save dialog answered with a file in the origin's private file system) and through the service
 * worker's stream (other browsers' path), each next to `keyseed unlock` of the same file, the peak
 * memory of Chromium's renderer processes (page, its workers and the service worker) per phase, and
 * the floors this browser reaches here (webseed fetch, WebCrypto AES-CTR and SHA-1). Not a test:
 * prints a markdown table.
 *
 *   npm run build && node dist/bench/web/run.js
 *   env: BENCH_SIZE_MIB (1024), BENCH_RUNS (3), BENCH_DIR (/tmp/keyseed-bench-web), DATABASE_URL, REDIS_URL,
 *   BENCH_PIECE_KIB (the platform's default), BENCH_PROFILE=1 (V8 profile of the page's main thread
 *   during the File System Access Download, heaviest functions on stderr)
 * Also printed: CPU seconds per process and thread in each phase (cpu.ts), and the page's requests
 * between the click on Watch and the first frame (stderr).
 *   needs ffmpeg (to loop the fixture) and /usr/bin/chromium
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { ensurePlatform } from '../../apps/cli/src/demo/platform';
import { createLockedFilm, type LockedFilm } from '../common/locked-film';
import { freePort } from '../../test/helpers/processes';
import { CpuTracker, cpuSpent, isDescendant, parentPids, type CpuSample } from './cpu';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'browser', 'fixtures', 'unlock-film.webm');
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-web';
const profile = process.env.BENCH_PROFILE === '1';
const pieceKiB = process.env.BENCH_PIECE_KIB ? Number(process.env.BENCH_PIECE_KIB) : undefined;
const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
db.pathname = '/keyseed_bench_web';

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
  const parent = parentPids();
  let pss = 0;
  let rss = 0;
  for (const pid of parent.keys()) {
    if (!isDescendant(parent, pid, browserPid)) continue;
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
async function watchOnce(context: BrowserContext): Promise<{ firstFrameMs: number; seekMs: number; timeline: string }> {
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
    // Where the first frame's time went: the page's requests after the click (keys, torrent, the
    // video's ranges through the worker), start → end in ms from the click.
    const timeline = await page.evaluate(() => {
      const w = globalThis as unknown as BenchWindow & {
        performance: { getEntriesByType(t: string): { name: string; startTime: number; responseEnd: number }[] };
      };
      return w.performance
        .getEntriesByType('resource')
        .filter((e) => e.startTime >= w.benchClick!)
        .map(
          (e) =>
            `${new URL(e.name).pathname.split('/').slice(1, 4).join('/')} ${(e.startTime - w.benchClick!).toFixed(0)}→${(e.responseEnd - w.benchClick!).toFixed(0)}`,
        )
        .join(', ');
    });
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
    return { firstFrameMs, seekMs, timeline };
  } finally {
    await page.close();
  }
}

/** The worker-streamed Download (the path of browsers without File System Access): click → download complete. */
async function downloadOnce(context: BrowserContext): Promise<number> {
  const page: Page = await context.newPage();
  try {
    await page.goto('/library');
    await page.evaluate(() => {
      delete (globalThis as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    });
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

/** The heaviest functions of a V8 CPU profile by self time, as "name (file) ms". */
function selfTimes(profile: {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  samples?: number[];
  startTime: number;
  endTime: number;
}): string {
  const total = profile.samples?.length ?? 1;
  const ms = (profile.endTime - profile.startTime) / 1000 / total;
  const by = new Map<string, number>();
  for (const n of profile.nodes) {
    const key = `${n.callFrame.functionName || '(anonymous)'} (${n.callFrame.url.split('/').pop()})`;
    by.set(key, (by.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, v]) => `${k} ${(v * ms).toFixed(0)}`)
    .join('; ');
}

/**
 * The File System Access Download (Chromium's path): the save dialog, which headless Chromium cannot
 * show, answered with a file in the origin's private file system (a real FileSystemFileHandle: the
 * browser writes a swap file and moves it into place on close). Click → "saved and verified".
 */
async function fsAccessOnce(context: BrowserContext): Promise<number> {
  const page: Page = await context.newPage();
  try {
    await page.goto('/library');
    await page.evaluate(async () => {
      const w = globalThis as unknown as {
        navigator: { storage: { getDirectory(): Promise<{ getFileHandle(n: string, o: object): Promise<unknown> }> } };
        showSaveFilePicker: () => Promise<unknown>;
      };
      const handle = await (await w.navigator.storage.getDirectory()).getFileHandle('bench.webm', { create: true });
      w.showSaveFilePicker = async () => handle;
    });
    const cdp = profile ? await context.newCDPSession(page) : null;
    await cdp?.send('Profiler.enable');
    await cdp?.send('Profiler.start');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Download', exact: true }).first().click();
    await page.getByRole('status').filter({ hasText: 'saved and verified' }).waitFor({ timeout: 600_000 });
    const ms = Date.now() - t0;
    if (cdp)
      console.error(
        `page main thread, File System Access Download: ${selfTimes((await cdp.send('Profiler.stop')).profile)}`,
      );
    await page.evaluate(async () => {
      const w = globalThis as unknown as {
        navigator: { storage: { getDirectory(): Promise<{ removeEntry(n: string): Promise<void> }> } };
      };
      await (await w.navigator.storage.getDirectory()).removeEntry('bench.webm');
    });
    return ms;
  } finally {
    await page.close();
  }
}

/**
 * What the browser itself reaches on this machine, in the library page: the webseed read as whole-file
 * reads read it (4 MiB Range requests, three in flight, bytes dropped), WebCrypto AES-256-CTR over
 * 1 MiB pieces (four in flight), and WebCrypto SHA-1 over 1 MiB pieces (the v1 piece check). MB/s.
 */
async function floors(
  context: BrowserContext,
  film: LockedFilm,
): Promise<{ fetch: number; fetchMany: number; aes: number; sha1: number }> {
  const page: Page = await context.newPage();
  try {
    await page.goto('/library');
    return await page.evaluate(
      async ({ url, size }) => {
        const g = globalThis as unknown as {
          fetch: (u: string, i: object) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>;
          crypto: {
            getRandomValues(a: Uint8Array): Uint8Array;
            subtle: {
              importKey(...a: unknown[]): Promise<unknown>;
              decrypt(...a: unknown[]): Promise<ArrayBuffer>;
              digest(a: string, d: Uint8Array): Promise<ArrayBuffer>;
            };
          };
          performance: { now(): number };
        };
        // Bytes dropped; the first 256 MiB at most, as `span`-byte ranges with `inFlight` requests at a time.
        const fetchRate = async (span: number, inFlight: number) => {
          const bytes = Math.min(size, 256 * 1024 * 1024);
          const t = g.performance.now();
          let next = 0;
          const worker = async () => {
            while (next < bytes) {
              const start = next;
              next += span;
              const res = await g.fetch(url, {
                headers: { Range: `bytes=${start}-${Math.min(bytes, start + span) - 1}` },
                cache: 'no-store',
              });
              await res.arrayBuffer();
            }
          };
          await Promise.all(Array.from({ length: inFlight }, worker));
          return bytes / 1e6 / ((g.performance.now() - t) / 1000);
        };
        const fetchMBs = await fetchRate(4 * 1024 * 1024, 3);
        const fetchMany = await fetchRate(2 * 1024 * 1024, 8);
        const piece = new Uint8Array(1024 * 1024);
        for (let o = 0; o < piece.length; o += 65536) g.crypto.getRandomValues(piece.subarray(o, o + 65536));
        const key = await g.crypto.subtle.importKey('raw', piece.subarray(0, 32), 'AES-CTR', false, ['decrypt']);
        const N = 256;
        const run = async (one: () => Promise<unknown>) => {
          const t0 = g.performance.now();
          let left = N;
          await Promise.all(
            [0, 1, 2, 3].map(async () => {
              while (left-- > 0) await one();
            }),
          );
          return N / 1.048576 / ((g.performance.now() - t0) / 1000);
        };
        const aes = await run(() =>
          g.crypto.subtle.decrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 128 }, key, piece),
        );
        const sha1 = await run(() => g.crypto.subtle.digest('SHA-1', piece));
        return { fetch: fetchMBs, fetchMany, aes, sha1 };
      },
      { url: `/webseed/${film.slug}/${encodeURIComponent(`${film.path}.locked`)}`, size: film.size },
    );
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

const mapValues = <K extends string, V, W>(o: Record<K, V>, f: (v: V) => W): Record<K, W> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;

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
      pieceLength: pieceKiB && pieceKiB * 1024,
      timeoutMs: 900_000,
      createAdmin: (email, password) => ensureAdmin(prisma, email, password, 'Bench admin').then(() => undefined),
    }).finally(() => prisma.$disconnect());
    console.error(
      `set up ${(film.size / 2 ** 20).toFixed(0)} MiB film, ${film.pieceLength / 1024} KiB pieces, in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const context = await browser.newContext({ acceptDownloads: true, baseURL: api });
    await context.addInitScript(
      ([session]) => {
        const w = globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } };
        // Frames without storage (the download's) refuse localStorage; only the app's pages need the session.
        try {
          w.localStorage.setItem('keyseed.session', session);
        } catch {
          /* not an app page */
        }
      },
      [JSON.stringify({ token: film.buyer.token, expiresAt: film.buyer.expiresAt, user: film.buyer.user })],
    );
    // What goes wrong in the pages shows here (the table alone would only show a timeout).
    context.on('console', (m) => {
      if (m.type() === 'error') console.error(`page console: ${m.text()}`);
    });
    context.on('weberror', (e) => console.error(`page error: ${e.error().message}`));
    // The library page open and idle first: what Chromium itself takes before any unlocking.
    const idlePage = await context.newPage();
    await idlePage.goto('/library');
    await idlePage.getByRole('button', { name: 'Watch', exact: true }).first().waitFor();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rendererMemory(browserPid);
    await idlePage.close();
    // Peak renderer memory per phase: Watch (with its media buffers), each Download path.
    type Phase = 'watch' | 'sw' | 'fsa';
    let phase: Phase = 'watch';
    const peak: Record<Phase, { pss: number; rss: number }> = {
      watch: { pss: 0, rss: 0 },
      sw: { pss: 0, rss: 0 },
      fsa: { pss: 0, rss: 0 },
    };
    const cpu = new CpuTracker(process.pid);
    const cpuPhase: Record<Phase, CpuSample> = { watch: new Map(), sw: new Map(), fsa: new Map() };
    let samples = 0;
    const sampler = setInterval(() => {
      const m = rendererMemory(browserPid);
      peak[phase] = { pss: Math.max(peak[phase].pss, m.pss), rss: Math.max(peak[phase].rss, m.rss) };
      if (samples++ % 5 === 0) cpu.sample();
    }, 100);
    /** Runs one phase, adding the CPU it took, per process and thread, to the phase's total. */
    const measure = async <T>(p: Phase, run: () => Promise<T>): Promise<T> => {
      phase = p;
      const before = cpu.totals();
      const result = await run();
      for (const [k, v] of cpuSpent(before, cpu.totals(), 0)) cpuPhase[p].set(k, (cpuPhase[p].get(k) ?? 0) + v);
      return result;
    };

    const watches = [];
    const downloads = [];
    const fsas = [];
    const clis = [];
    const loads: number[] = [];
    for (let i = 0; i < runs; i++) {
      loads.push(loadavg()[0]);
      watches.push(await measure('watch', () => watchOnce(context)));
      fsas.push(await measure('fsa', () => fsAccessOnce(context)));
      downloads.push(await measure('sw', () => downloadOnce(context)));
      clis.push(cliUnlockOnce(api, film));
    }
    clearInterval(sampler);
    for (const w of watches) console.error(`first frame ${w.firstFrameMs.toFixed(0)} ms: ${w.timeline}`);
    loads.push(loadavg()[0]);
    const floor = await floors(context, film);
    const mb = film.size / 1e6;
    const dl = median(downloads);
    const fsa = median(fsas);
    const cli = median(clis.map((c) => c.ms));
    const mem = (p: { pss: number; rss: number }) => `PSS ${p.pss.toFixed(0)} MiB, RSS ${p.rss.toFixed(0)} MiB`;
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
        'browser Download, File System Access (Chromium)',
        `${(mb / (fsa / 1000)).toFixed(0)} MB/s (${(fsa / 1000).toFixed(1)} s)`,
        '',
        fsas.map((d) => (d / 1000).toFixed(1)).join(', '),
      ],
      [
        'browser Download, service worker stream',
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
      ['Download ÷ CLI throughput, File System Access', `${(cli / fsa).toFixed(2)}×`, '≥ 0.5×', ''],
      ['Download ÷ CLI throughput, service worker', `${(cli / dl).toFixed(2)}×`, '≥ 0.5×', ''],
      [
        'peak renderer memory (page + workers)',
        `watch ${mem(peak.watch)}; File System Access ${mem(peak.fsa)}; service worker ${mem(peak.sw)}`,
        '< 300 MB',
        `idle library page: ${mem(idle)}`,
      ],
      [
        'floors in this browser',
        `webseed fetch ${floor.fetch.toFixed(0)} MB/s (4 MiB × 3), ${floor.fetchMany.toFixed(0)} MB/s (2 MiB × 8); AES-256-CTR ${floor.aes.toFixed(0)} MiB/s; SHA-1 ${floor.sha1.toFixed(0)} MiB/s`,
        '',
        'ranges × requests in flight; 1 MiB pieces × 4 in flight',
      ],
    ];
    console.log(
      `film ${(film.size / 2 ** 20).toFixed(0)} MiB, pieces ${film.pieceLength / 1024} KiB, ${runs} runs, 1-min load average at each run and at the end ${loads.map((l) => l.toFixed(1)).join(', ')}\n`,
    );
    console.log('| measure | median | target | runs |\n|---|---:|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    // Where the CPU went (all runs of a phase together): what to attack next.
    for (const p of ['watch', 'fsa', 'sw'] as Phase[]) {
      const spent = cpuSpent(new Map(), cpuPhase[p], 0.1 * runs);
      const total = [...cpuPhase[p].values()].reduce((a, b) => a + b, 0);
      console.log(
        `\nCPU-s per run, ${p} (total ${(total / runs).toFixed(1)}): ${spent.map(([k, v]) => `${k} ${(v / runs).toFixed(1)}`).join('; ')}`,
      );
    }
    writeFileSync(
      join(dir, 'result.json'),
      JSON.stringify(
        {
          watches,
          downloads,
          fsas,
          clis,
          peak,
          idle,
          loads,
          floor,
          cpu: mapValues(cpuPhase, (m) => Object.fromEntries(m)),
        },
        null,
        2,
      ),
    );
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
