/**
 * What Chromium itself costs per GiB for each stage of a browser Download, with no unlocking at all:
 * a page of its own (loopback origin served here) on a headless Chromium as bench/web drives it,
 * CPU seconds per process and thread (cpu.ts) and throughput per variant. Answers "how much of the
 * Download's CPU is the browser's, whatever the app does" (BENCHMARKS.md "web", session 9):
 *
 * - `fetch-byob`, `fetch-default`, `fetch-ab`: 8 MiB Range requests to this server, five in flight,
 *   read with a BYOB reader into buffers that go round (the app's way), a default reader copied into
 *   them, or `arrayBuffer()` (the server's own CPU is not counted: it is this process).
 * - `page:<MiB>:<queued>`: File System Access `createWritable()` in the page, writes of <MiB>, up to
 *   <queued> writes queued; `pipe:<MiB>` the same through `ReadableStream.pipeTo`; `worker:<MiB>`
 *   from a dedicated worker; `worker-sync:<MiB>` a sync access handle (private file system only,
 *   which a save dialog never returns: for comparison). All write to the origin's private file system.
 * - `sw:<MiB>`: a download answered by a service worker with a stream of fresh <MiB> chunks (the
 *   service worker Download's path through the browser's download manager).
 *
 *   npm run build && flock /tmp/keyseed-bench.lock node dist/bench/web/floors.js
 *   env: FLOORS_MIB (512: bytes per variant), FLOORS (the variants, comma-separated)
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chromium } from './cdp';
import { CpuTracker, cpuSpent } from './cpu';

const MIB = 1024 * 1024;
const total = Number(process.env.FLOORS_MIB ?? 512) * MIB;
const variants = (
  process.env.FLOORS ??
  'fetch-byob:8:5,fetch-default:8:5,fetch-ab:8:5,page:8:1,page:8:4,page:16:1,page:1:4,page:0.5:8,pipe:8:1,worker:8:1,worker-sync:8:1,sw:4:1,sw:0.5:1'
).split(',');

/** The dedicated worker: File System Access writes of `chunk` bytes, or a sync access handle's. */
const WORKER = `
onmessage = async (e) => {
  const { mode, chunk, total } = e.data;
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle('worker.bin', { create: true });
  const bytes = new Uint8Array(chunk).fill(7);
  const t0 = performance.now();
  if (mode === 'sync') {
    const access = await handle.createSyncAccessHandle();
    for (let at = 0; at < total; at += chunk) access.write(bytes, { at });
    access.flush();
    access.close();
  } else {
    const out = await handle.createWritable();
    for (let at = 0; at < total; at += chunk) await out.write(bytes);
    await out.close();
  }
  const ms = performance.now() - t0;
  await root.removeEntry('worker.bin');
  postMessage(ms);
};`;

/** The service worker: /dl/<total>/<chunk> is a download of fresh zero chunks. */
const SERVICE_WORKER = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  const [, dl, total, chunk] = new URL(e.request.url).pathname.split('/');
  if (dl !== 'dl') return;
  let sent = 0;
  const body = new ReadableStream({
    pull(c) {
      if (sent >= Number(total)) return c.close();
      c.enqueue(new Uint8Array(Number(chunk)));
      sent += Number(chunk);
    },
  }, { highWaterMark: 1 });
  e.respondWith(new Response(body, { headers: {
    'Content-Type': 'application/octet-stream', 'Content-Length': total, 'Content-Disposition': 'attachment; filename="floor.bin"',
  } }));
});`;

/** The page: window.floor(kind, …) runs one variant and resolves with its milliseconds. */
const PAGE = `<!doctype html><title>floors</title><script>
const floors = {
  async fetch(mode, span, total, inflight) {
    const free = Array.from({ length: inflight }, () => new Uint8Array(span));
    const one = async (into) => {
      const res = await fetch('/data', { headers: { Range: 'bytes=0-' + (span - 1) }, cache: 'no-store' });
      if (mode === 'ab') { await res.arrayBuffer(); return into; }
      if (mode === 'default') {
        const r = res.body.getReader();
        for (let at = 0; ; ) { const { value, done } = await r.read(); if (done) return into; into.set(value, at); at += value.length; }
      }
      const r = res.body.getReader({ mode: 'byob' });
      let buffer = into.buffer;
      for (let at = 0; at < span; ) {
        const { value, done } = await r.read(new Uint8Array(buffer, at, span - at));
        if (value) buffer = value.buffer;
        if (done) break;
        at += value.byteLength;
      }
      r.releaseLock();
      return new Uint8Array(buffer);
    };
    const t0 = performance.now();
    const loading = [];
    for (let at = 0; at < total; at += span) {
      if (loading.length >= inflight) free.push(await loading.shift());
      loading.push(one(free.shift()));
    }
    await Promise.all(loading);
    return performance.now() - t0;
  },
  async write(mode, chunk, total, queued) {
    if (mode === 'worker' || mode === 'worker-sync') {
      const w = new Worker('/worker.js');
      const ms = await new Promise((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.postMessage({ mode: mode === 'worker' ? 'writable' : 'sync', chunk, total });
      });
      w.terminate();
      return ms;
    }
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('page.bin', { create: true });
    const buffers = Array.from({ length: queued }, () => new Uint8Array(chunk).fill(7));
    const t0 = performance.now();
    const out = await handle.createWritable();
    if (mode === 'pipe') {
      let at = 0, i = 0;
      const source = new ReadableStream({ pull(c) {
        if (at >= total) return c.close();
        c.enqueue(buffers[i++ % queued]);
        at += chunk;
      } }, { highWaterMark: 0 });
      await source.pipeTo(out);
    } else {
      const writer = out.getWriter();
      const writing = [];
      for (let at = 0, i = 0; at < total; at += chunk, i++) {
        writing.push(writer.write(buffers[i % queued]));
        if (writing.length >= queued) await writing.shift();
      }
      await Promise.all(writing);
      await writer.close();
    }
    const ms = performance.now() - t0;
    await root.removeEntry('page.bin');
    return ms;
  },
  async download(total, chunk) {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = '/dl/' + total + '/' + chunk;
    document.body.append(frame);
  },
};
window.floor = (kind, ...args) => floors[kind](...args);
</script>`;

async function main(): Promise<void> {
  const data = Buffer.alloc(8 * MIB, 3);
  const server = createServer((req, res) => {
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (req.url === '/data') {
      const length = range ? Math.min(data.length, Number(range[2]) - Number(range[1]) + 1) : data.length;
      res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Content-Length': length });
      res.end(data.subarray(0, length));
    } else if (req.url === '/worker.js' || req.url === '/sw.js')
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(req.url === '/sw.js' ? SERVICE_WORKER : WORKER);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profileDir = mkdtempSync(join(tmpdir(), 'keyseed-floors-'));
  const browser = await Chromium.launch('/usr/bin/chromium', join(profileDir, 'profile'));
  try {
    await browser.closeStartPagesAndSaveDownloadsTo(join(profileDir, 'downloads'));
    const page = await browser.newPage(origin, (line) => console.error(line));
    const cpu = new CpuTracker(process.pid);
    const perGiB = (1024 * MIB) / total;
    console.log(`| variant | MiB/s | CPU-s per GiB | by thread (CPU-s per GiB) |\n|---|---:|---:|---|`);
    for (const variant of variants) {
      const [mode, mib, queued = '1'] = variant.split(':');
      const chunk = Number(mib) * MIB;
      const before = cpu.totals();
      const sampler = setInterval(() => cpu.sample(), 100);
      let ms: number;
      if (mode.startsWith('fetch-'))
        ms = await page.evaluate(
          (a) => (globalThis as unknown as Floors).floor('fetch', a.mode, a.chunk, a.total, a.queued),
          { mode: mode.slice('fetch-'.length), chunk, total, queued: Number(queued) },
        );
      else if (mode === 'sw') {
        const t0 = Date.now();
        const finished = new Promise<unknown>((resolve) => {
          const stop = browser.on('Browser.downloadProgress', (p) => {
            if (p.state !== 'completed' && p.state !== 'canceled') return;
            stop();
            resolve(p.state);
          });
        });
        await page.evaluate((a) => (globalThis as unknown as Floors).floor('download', a.total, a.chunk), {
          total,
          chunk,
        });
        if ((await finished) !== 'completed') throw new Error('the download was cancelled');
        ms = Date.now() - t0;
      } else
        ms = await page.evaluate(
          (a) => (globalThis as unknown as Floors).floor('write', a.mode, a.chunk, a.total, a.queued),
          { mode, chunk, total, queued: Number(queued) },
        );
      clearInterval(sampler);
      const spent = cpuSpent(before, cpu.totals(), 0.05);
      const sum = spent.reduce((a, [, s]) => a + s, 0) * perGiB;
      const threads = spent.map(([k, s]) => `${k.replace(/^chromium /, '')} ${(s * perGiB).toFixed(2)}`).join('; ');
      console.log(`| ${variant} | ${(total / MIB / (ms / 1000)).toFixed(0)} | ${sum.toFixed(2)} | ${threads} |`);
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

interface Floors {
  floor(kind: string, ...args: unknown[]): Promise<number>;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
