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
 *   during the File System Access Download, heaviest functions on stderr), BENCH_PHASES (watch,fsa,sw,cli:
 *   the phases to run, for quicker runs while working on one), BENCH_WHOLE_FILE_SHA256=1 (the film's piece
 *   root removed before any key is asked: Downloads check the whole-file SHA-256, as for items ingested
 *   before the root existed; an A/B of the two checks on the same machine)
 * Also printed: CPU seconds per process and thread in each phase (cpu.ts), the page's requests
 * between the click on Watch and the first frame, the service worker Download's webseed ranges (how
 * many were in flight on average), and what the renderers' memory is made of at each phase's peak
 * (stderr). What Chromium's own fetch, File System Access writes and download manager cost with no
 * unlocking at all: floors.ts.
 *   needs ffmpeg (to loop the fixture) and /usr/bin/chromium
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { ensurePlatform } from '../../apps/cli/src/demo/platform';
import { createLockedFilm, type LockedFilm } from '../common/locked-film';
import { freePort } from '../../test/helpers/processes';
import { Chromium, type CdpPage } from './cdp';
import { CpuTracker, cpuSpent, isDescendant, parentPids, type CpuSample } from './cpu';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'browser', 'fixtures', 'unlock-film.webm');
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-web';
const profile = process.env.BENCH_PROFILE === '1';
const phases = new Set((process.env.BENCH_PHASES ?? 'watch,fsa,sw,cli').split(','));
const pieceKiB = process.env.BENCH_PIECE_KIB ? Number(process.env.BENCH_PIECE_KIB) : undefined;
const wholeFileSha256 = process.env.BENCH_WHOLE_FILE_SHA256 === '1';
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

/** Chromium's renderer processes (descendants of `browserPid`). */
function rendererPids(browserPid: number): number[] {
  const parent = parentPids();
  return [...parent.keys()].filter((pid) => {
    try {
      return (
        isDescendant(parent, pid, browserPid) &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')
      );
    } catch {
      return false;
    }
  });
}

/** PSS and RSS (MiB) of Chromium's renderer processes (page, its workers, the service worker), summed. */
function rendererMemory(pids: number[]): { pss: number; rss: number; byPid: string } {
  let pss = 0;
  let rss = 0;
  const byPid: string[] = [];
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const own = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
      pss += own;
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
      byPid.push(`${pid} ${own.toFixed(0)}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return { pss, rss, byPid: byPid.join(', ') };
}

/**
 * What a renderer's PSS is made of (MiB): private anonymous memory (V8 heaps, PartitionAlloc: array
 * buffers, Blink, malloc), shared memory (Mojo data pipes and shared buffers with the browser and
 * network processes), files (Chromium's own code and data, fonts); and which threads it runs (the
 * service worker's, dedicated workers').
 */
function rendererBreakdown(pids: number[]): string {
  const parts: string[] = [];
  for (const pid of pids) {
    try {
      const by = { anon: 0, shared: 0, file: 0 };
      let kind: keyof typeof by = 'anon';
      for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
        const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
        if (head) {
          const name = head[1];
          kind =
            name === '' || name.startsWith('[')
              ? 'anon'
              : /^\/(dev\/shm|memfd:)|^\/memfd:|SYSV|\(deleted\)/.test(name)
                ? 'shared'
                : 'file';
        } else if (line.startsWith('Pss:')) by[kind] += Number(line.split(/\s+/)[1]) / 1024;
      }
      const threads = new Set(
        readdirSync(`/proc/${pid}/task`).map((t) => {
          try {
            return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim().replace(/\d+$/, '');
          } catch {
            return '';
          }
        }),
      );
      const runs = ['ServiceWorker t', 'DedicatedWorker', 'Media'].filter((t) => threads.has(t)).join('+') || 'page';
      parts.push(
        `pid ${pid} (${runs}): anon ${by.anon.toFixed(0)}, shared ${by.shared.toFixed(0)}, file ${by.file.toFixed(0)}`,
      );
    } catch {
      /* exited meanwhile */
    }
  }
  return parts.join('; ');
}

/** What the page-side callbacks touch (the bench is compiled without the DOM library). */
interface Video {
  duration: number;
  currentTime: number;
  addEventListener(type: string, cb: () => void, opts: object): void;
}
interface BenchDocument {
  querySelector(sel: string): unknown;
  querySelectorAll(sel: string): ArrayLike<{ textContent: string | null; click(): void; disabled?: boolean }>;
  addEventListener(type: string, cb: () => void, opts: object): void;
}
interface BenchWindow {
  benchClick?: number;
  benchFrame?: number;
  benchEvents?: string[];
  document: BenchDocument;
  performance: { now(): number };
}

/** Clicks the first button labelled exactly `name`, as the user would (a gesture: save dialog, playback). */
function click(page: CdpPage, name: string): Promise<void> {
  return page.evaluate(
    (label) => {
      const doc = (globalThis as unknown as BenchWindow).document;
      const button = Array.from(doc.querySelectorAll('button')).find((b) => b.textContent?.trim() === label);
      if (!button) throw new Error(`no button ${label}`);
      button.click();
    },
    name,
    true,
  );
}

/** Resolves when `selector` matches an element whose text includes `text` (polled every 20 ms), or rejects after `ms`. */
function waitForText(page: CdpPage, selector: string, text: string, ms: number): Promise<void> {
  return page.evaluate(
    ({ selector, text, ms }) =>
      new Promise<void>((resolve, reject) => {
        const doc = (globalThis as unknown as BenchWindow).document;
        const t0 = Date.now();
        const poll = () => {
          const hits = Array.from(doc.querySelectorAll(selector)).map((e) => e.textContent ?? '');
          if (hits.some((h) => h.includes(text))) return resolve();
          const alerts = Array.from(doc.querySelectorAll('[role=alert]')).map((e) => e.textContent);
          if (alerts.length) return reject(new Error(`the page says: ${alerts.join(' | ')}`));
          if (Date.now() - t0 > ms) return reject(new Error(`no "${text}" within ${ms} ms`));
          setTimeout(poll, 20);
        };
        poll();
      }),
    { selector, text, ms },
  );
}

/** The library page, open and its Watch buttons rendered. */
async function libraryPage(browser: Chromium, api: string): Promise<CdpPage> {
  const page = await browser.newPage(`${api}/library`, (line) => console.error(line));
  await waitForText(page, 'button', 'Watch', 30_000);
  return page;
}

/**
 * Watch → first frame: from the click (capture phase) to `loadeddata` (the frame at the current
 * position decoded and ready to show); seek → frame: from setting `currentTime` to `seeked` (the
 * frame at the new position ready). Both measured in the page.
 */
async function watchOnce(
  browser: Chromium,
  api: string,
): Promise<{ firstFrameMs: number; seekMs: number; timeline: string }> {
  const page = await libraryPage(browser, api);
  try {
    await page.evaluate(() => {
      const w = globalThis as unknown as BenchWindow;
      const v = w.document.querySelector('video.unlock-player') as Video;
      w.document.addEventListener('click', () => (w.benchClick = w.performance.now()), { capture: true, once: true });
      v.addEventListener('loadeddata', () => (w.benchFrame = w.performance.now()), { once: true });
      // The media element's own steps after the click (its requests go to the service worker, which
      // resource timing does not list).
      w.benchEvents = [];
      for (const type of ['loadstart', 'loadedmetadata', 'loadeddata', 'canplay'])
        v.addEventListener(
          type,
          () => w.benchEvents!.push(`${type} ${(w.performance.now() - (w.benchClick ?? 0)).toFixed(0)}`),
          { once: true },
        );
    });
    await click(page, 'Watch');
    await page
      .evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const t0 = Date.now();
            const poll = () => {
              const w = globalThis as unknown as BenchWindow;
              if (w.benchFrame !== undefined) return resolve();
              const alerts = Array.from(w.document.querySelectorAll('[role=alert]')).map((e) => e.textContent);
              if (alerts.length || Date.now() - t0 > 60_000) return reject(new Error(alerts.join(' | ') || 'timeout'));
              setTimeout(poll, 10);
            };
            poll();
          }),
      )
      .catch((err: Error) => {
        throw new Error(`no first frame within 60 s: ${err.message}`, { cause: err });
      });
    const firstFrameMs = await page.evaluate(() => {
      const w = globalThis as unknown as BenchWindow;
      return w.benchFrame! - w.benchClick!;
    });
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
        .join(', ')
        .concat(`; video: ${w.benchEvents!.join(', ')}`);
    });
    // The service worker's own requests (the webseed ranges it read for the video), on the page's clock.
    const clickAt = await page.evaluate(() => {
      const w = globalThis as unknown as BenchWindow & { performance: { timeOrigin: number } };
      return w.performance.timeOrigin + w.benchClick!;
    });
    const workerTimeline = await serviceWorkerRequests(browser, clickAt);
    const seekMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const w = globalThis as unknown as BenchWindow;
          const v = w.document.querySelector('video.unlock-player') as Video;
          const t0 = w.performance.now();
          v.addEventListener('seeked', () => resolve(w.performance.now() - t0), { once: true });
          v.currentTime = v.duration * 0.8;
        }),
    );
    return { firstFrameMs, seekMs, timeline: `${timeline}; service worker: ${workerTimeline}` };
  } finally {
    await page.close();
  }
}

/** `fn(arg)` evaluated in the unlock service worker (by value), or null when it has no target. */
async function inServiceWorker<T, A>(browser: Chromium, fn: (arg: A) => T, arg: A): Promise<T | null> {
  const { targetInfos } = await browser.send<{ targetInfos: { targetId: string; type: string }[] }>(
    'Target.getTargets',
  );
  const worker = targetInfos.find((t) => t.type === 'service_worker');
  if (!worker) return null;
  const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', {
    targetId: worker.targetId,
    flatten: true,
  });
  try {
    const r = await browser.send<{ result: { value?: T } }>(
      'Runtime.evaluate',
      { expression: `(${fn.toString()})(${JSON.stringify(arg)})`, returnByValue: true },
      sessionId,
    );
    return r.result.value ?? null;
  } finally {
    await browser.send('Target.detachFromTarget', { sessionId });
  }
}

/**
 * The webseed ranges the service worker read for a Download since `since` (epoch ms): how many,
 * how many were in flight on average (requests' durations over the Download's time: the pipeline
 * keeps STREAM_SPANS going when fetching is what it waits for), and the median time to first byte
 * and to the last one.
 */
function serviceWorkerRanges(browser: Chromium, since: number): Promise<string | null> {
  return inServiceWorker(
    browser,
    (t0: number) => {
      const perf = (
        globalThis as unknown as {
          performance: {
            timeOrigin: number;
            getEntriesByType(
              t: string,
            ): { name: string; startTime: number; responseStart: number; responseEnd: number }[];
          };
        }
      ).performance;
      const ranges = perf
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/webseed/') && perf.timeOrigin + e.startTime >= t0);
      if (!ranges.length) return 'no webseed ranges';
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const busy = ranges.reduce((a, e) => a + e.responseEnd - e.startTime, 0);
      const first = Math.min(...ranges.map((e) => e.startTime));
      const last = Math.max(...ranges.map((e) => e.responseEnd));
      return `${ranges.length} ranges, ${(busy / (last - first)).toFixed(1)} in flight on average, first byte ${median(ranges.map((e) => e.responseStart - e.startTime)).toFixed(0)} ms, whole range ${median(ranges.map((e) => e.responseEnd - e.startTime)).toFixed(0)} ms (medians)`;
    },
    since,
  );
}

/** The unlock service worker's requests since `since` (epoch ms): path, start → end in ms from `since`. */
async function serviceWorkerRequests(browser: Chromium, since: number): Promise<string> {
  const { targetInfos } = await browser.send<{ targetInfos: { targetId: string; type: string }[] }>(
    'Target.getTargets',
  );
  const worker = targetInfos.find((t) => t.type === 'service_worker');
  if (!worker) return 'no service worker target';
  const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', {
    targetId: worker.targetId,
    flatten: true,
  });
  try {
    const r = await browser.send<{ result: { value?: string } }>(
      'Runtime.evaluate',
      {
        expression: `(${((t0: number) => {
          const perf = (
            globalThis as unknown as {
              performance: {
                timeOrigin: number;
                getEntriesByType(t: string): {
                  name: string;
                  startTime: number;
                  requestStart: number;
                  responseStart: number;
                  responseEnd: number;
                }[];
              };
            }
          ).performance;
          return perf
            .getEntriesByType('resource')
            .map((e) => ({ e, start: perf.timeOrigin + e.startTime - t0, end: perf.timeOrigin + e.responseEnd - t0 }))
            .filter((x) => x.end >= 0)
            .map(
              (x) =>
                `${new URL(x.e.name).pathname.split('/').slice(1, 3).join('/')} ${x.start.toFixed(0)}→${x.end.toFixed(0)} (sent +${(x.e.requestStart - x.e.startTime).toFixed(0)}, first byte +${(x.e.responseStart - x.e.startTime).toFixed(0)})`,
            )
            .slice(0, 8)
            .join(', ')
            .concat(` (${perf.getEntriesByType('resource').length} entries)`);
        }).toString()})(${since})`,
        returnByValue: true,
      },
      sessionId,
    );
    return r.result.value ?? '';
  } finally {
    await browser.send('Target.detachFromTarget', { sessionId });
  }
}

/**
 * The worker-streamed Download (the path of browsers without File System Access): click → the
 * browser reports the download complete (Browser.downloadProgress) and the page says the worker
 * checked the whole file's SHA-256.
 */
async function downloadOnce(browser: Chromium, api: string, downloads: string): Promise<number> {
  const page = await libraryPage(browser, api);
  let stop: () => void = () => undefined;
  try {
    await page.evaluate(() => {
      delete (globalThis as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    });
    const finished = new Promise<string>((resolve) => {
      stop = browser.on('Browser.downloadProgress', (p) => {
        if (p.state === 'completed' || p.state === 'canceled') resolve(p.state);
      });
    });
    // Room for every range of the Download in the worker's resource timing (250 entries by default).
    await inServiceWorker(
      browser,
      () =>
        (
          globalThis as unknown as { performance: { setResourceTimingBufferSize(n: number): void } }
        ).performance.setResourceTimingBufferSize(5000),
      null,
    );
    const t0 = Date.now();
    await click(page, 'Download');
    const state = await finished;
    const ms = Date.now() - t0;
    if (state !== 'completed') throw new Error('the download was cancelled');
    console.error(`service worker Download, its webseed ranges: ${await serviceWorkerRanges(browser, t0)}`);
    // The page says so only once the worker checked the whole file's SHA-256.
    await waitForText(page, '[role=status]', 'downloaded and verified', 10_000);
    return ms;
  } finally {
    stop();
    await page.close();
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
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
 * show, answered with a file in the origin's private file system (a real FileSystemFileHandle on the
 * profile's disk: the browser writes a swap file and moves it into place on close). Click → "saved
 * and verified".
 */
async function fsAccessOnce(browser: Chromium, api: string): Promise<number> {
  const page = await libraryPage(browser, api);
  try {
    await page.evaluate(async () => {
      const w = globalThis as unknown as {
        navigator: { storage: { getDirectory(): Promise<{ getFileHandle(n: string, o: object): Promise<unknown> }> } };
        showSaveFilePicker: () => Promise<unknown>;
      };
      const handle = await (await w.navigator.storage.getDirectory()).getFileHandle('bench.webm', { create: true });
      w.showSaveFilePicker = async () => handle;
    });
    if (profile) {
      await page.send('Profiler.enable');
      await page.send('Profiler.start');
    }
    const t0 = Date.now();
    await click(page, 'Download');
    await waitForText(page, '[role=status]', 'saved and verified', 600_000);
    const ms = Date.now() - t0;
    if (profile)
      console.error(
        `page main thread, File System Access Download: ${selfTimes((await page.send<{ profile: Parameters<typeof selfTimes>[0] }>('Profiler.stop')).profile)}`,
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
 * reads read it (4 MiB Range requests, four in flight, and 2 MiB × 8; bytes dropped), WebCrypto
 * AES-256-CTR over 1 MiB pieces (four in flight), and WebCrypto SHA-1 over 1 MiB pieces (the v1
 * piece check). MB/s.
 */
async function floors(
  browser: Chromium,
  api: string,
  film: LockedFilm,
): Promise<{ fetch: number; fetchMany: number; aes: number; sha1: number }> {
  const page = await libraryPage(browser, api);
  try {
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
        const fetchMBs = await fetchRate(4 * 1024 * 1024, 4);
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

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

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
  const profileDir = join(dir, 'chromium-profile');
  const downloadDir = join(dir, 'downloads');
  for (const d of [profileDir, downloadDir]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  const browser = await Chromium.launch('/usr/bin/chromium', profileDir);
  const browserPid = browser.pid;
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
    });
    // Downloads check the plaintext piece root sealed with the keys when ingest stored one (docs/web-app.md).
    if (wholeFileSha256)
      await prisma.item.updateMany({ where: { bundleId: film.bundleId }, data: { plaintextPieceRoot: null } });
    const { plaintextPieceRoot } = await prisma.item
      .findFirstOrThrow({ where: { bundleId: film.bundleId } })
      .finally(() => prisma.$disconnect());
    console.error(
      `set up ${(film.size / 2 ** 20).toFixed(0)} MiB film, ${film.pieceLength / 1024} KiB pieces, in ${((Date.now() - t0) / 1000).toFixed(0)} s; Downloads check its ${plaintextPieceRoot ? 'plaintext piece root' : 'whole-file SHA-256 (no piece root stored)'}`,
    );

    // Only the app's renderers count: the tab Chromium opened at start goes (no spare renderer either: launch flags).
    await browser.closeStartPagesAndSaveDownloadsTo(downloadDir);
    // The buyer's session, as the app keeps it (localStorage of the origin, in the profile).
    const login = await browser.newPage(`${api}/`, (line) => console.error(line));
    await login.evaluate(
      (session) =>
        (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
          'keyseed.session',
          session,
        ),
      JSON.stringify({ token: film.buyer.token, expiresAt: film.buyer.expiresAt, user: film.buyer.user }),
    );
    await login.close();
    // The library page open and idle first: what Chromium itself takes before any unlocking.
    const idlePage = await libraryPage(browser, api);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rendererMemory(rendererPids(browserPid));
    const idleBreakdown = rendererBreakdown(rendererPids(browserPid));
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
    // At each phase's peak, what the renderers' memory is made of (smaps is slow: at most every 0.5 s,
    // unless the peak grew by more than 8 MiB since the last look, so a short spike is seen too).
    const peakBreakdown: Record<Phase, string> = { watch: '', sw: '', fsa: '' };
    let lastBreakdown = 0;
    let lastBreakdownPss = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      const pids = rendererPids(browserPid);
      const m = rendererMemory(pids);
      if (m.pss > peak[phase].pss && (Date.now() - lastBreakdown > 500 || m.pss > lastBreakdownPss + 8)) {
        lastBreakdown = Date.now();
        lastBreakdownPss = m.pss;
        peakBreakdown[phase] = `${m.pss.toFixed(0)} MiB (by pid: ${m.byPid}); then ${rendererBreakdown(pids)}`;
      }
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
      if (phases.has('watch')) watches.push(await measure('watch', () => watchOnce(browser, api)));
      if (phases.has('fsa')) fsas.push(await measure('fsa', () => fsAccessOnce(browser, api)));
      if (phases.has('sw')) downloads.push(await measure('sw', () => downloadOnce(browser, api, downloadDir)));
      if (phases.has('cli')) clis.push(cliUnlockOnce(api, film));
    }
    clearInterval(sampler);
    for (const w of watches) console.error(`first frame ${w.firstFrameMs.toFixed(0)} ms: ${w.timeline}`);
    console.error(`renderer PSS by kind, idle library page: ${idleBreakdown}`);
    for (const p of ['watch', 'fsa', 'sw'] as Phase[])
      console.error(`renderer PSS by kind near the ${p} peak: ${peakBreakdown[p]}`);
    loads.push(loadavg()[0]);
    const floor = await floors(browser, api, film);
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
          peakBreakdown,
          idle,
          idleBreakdown,
          loads,
          floor,
          cpu: mapValues(cpuPhase, (m) => Object.fromEntries(m)),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    await platform.stop();
    for (const f of readdirSync(dir)) if (f === 'cli') rmSync(join(dir, f), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
