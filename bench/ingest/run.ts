/**
 * Ingest benchmark: one generated locked item (2 GiB, `--big` 8 GiB, 4 MiB pieces) through the real
 * job path — BullMQ job, worker module, threads, staging file, fsync, rename, database commit — next
 * to `openssl speed -evp` for the primitives and libtorrent's hybrid creation on the same file.
 * Not a test: prints a Markdown section for BENCHMARKS.md.
 *
 *   node -r ./scripts/ts-register.js bench/ingest/run.ts [--big]     (sources, no build)
 *   npm run build && node dist/bench/ingest/run.js [--big]
 *   env: BENCH_DIR (default /tmp/keyseed-bench-ingest; the upload, DATA_DIR and the ciphertext live
 *        there: /dev/shm/… takes the disk out and measures the CPU path), BENCH_THREADS (INGEST_THREADS values to try,
 *        default "2"), BENCH_RUNS (default 2), DATABASE_URL / REDIS_URL (a `_bench` database is created)
 *
 * CPU is the process's user+system time over wall time (all threads); peak RSS is the whole process's
 * highest VmRSS during the job (sampled every 50 ms; the Nest worker app included), next to its VmRSS
 * just before the job (the warm idle app) and the difference (what ingest adds).
 */
import type { LoggerService } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeRandomFile } from '../common/random-file';

const big = process.argv.includes('--big');
const sizeMiB = big ? 8192 : 2048;
const pieceLength = 4 * 1024 * 1024;
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-ingest';
const threadsList = (process.env.BENCH_THREADS ?? '2').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 2);
const root = resolve(__dirname, '..', '..', ...(__filename.endsWith('.js') ? ['..'] : []));

const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
dbUrl.pathname = '/keyseed_bench';
Object.assign(process.env, {
  NODE_ENV: 'test', DATABASE_URL: dbUrl.toString(), REDIS_PREFIX: `keyseed_bench_${randomBytes(3).toString('hex')}`,
  DATA_DIR: join(dir, 'data'), KEYSEED_KEK: randomBytes(32).toString('base64'), INGEST_CONCURRENCY: '1', LOG_LEVEL: 'silent',
});

function makeFile(): string {
  return makeRandomFile(join(dir, `content-${sizeMiB}MiB.bin`), sizeMiB * 1024 * 1024);
}

/** OpenSSL's own throughput (GB/s) for 16 KiB blocks, one core. */
function opensslSpeed(alg: string): number {
  const out = execFileSync('openssl', ['speed', '-evp', alg, '-bytes', '16384', '-seconds', '2'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const line = out.split('\n').reverse().find((l) => l.toLowerCase().startsWith(alg));
  const k = line?.trim().split(/\s+/).pop() ?? '0k';
  return (parseFloat(k) * 1000) / 1e9;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(0);

function loadAvg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** `tmpfs` or the file system type of `path` (the ciphertext's disk decides the final fsync). */
function fsType(path: string): string {
  try {
    return execFileSync('df', ['--output=fstype', path]).toString().trim().split('\n').pop()!;
  } catch {
    return '?';
  }
}

function statusMiB(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Highest VmRSS seen every 50 ms until `stop()` (the job's own peak, not the process lifetime's). */
function sampleRss(): { stop(): number } {
  let max = statusMiB('VmRSS');
  const timer = setInterval(() => {
    max = Math.max(max, statusMiB('VmRSS'));
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, statusMiB('VmRSS'));
    },
  };
}

/** Collects the worker's structured `ingest.done` log lines (phase timings). */
class CaptureLogger implements LoggerService {
  done: Record<string, number>[] = [];
  log(message: unknown): void {
    if (typeof message === 'object' && message && (message as { event?: string }).event === 'ingest.done') this.done.push(message as Record<string, number>);
  }
  error(): void {}
  warn(): void {}
}

async function main(): Promise<void> {
  const { applyMigrations, createDatabaseIfMissing, defaultMigrationsDir } = await import('@keyseed/database');
  await createDatabaseIfMissing(process.env.DATABASE_URL!);
  await applyMigrations(process.env.DATABASE_URL!, defaultMigrationsDir());
  const file = makeFile();
  const bytes = statSync(file).size;
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 }); // into the page cache

  const rows: string[] = [];
  const storage = fsType(dir);
  const { NestFactory } = await import('@nestjs/core');
  const { WorkerModule } = await import('../../apps/worker/src/worker.module');
  const { PrismaService } = await import('@keyseed/database');
  const { BLOB_STORE } = await import('@keyseed/storage');
  const { completeUpload, createDraftBundle, enqueueIngest, waitForItem } = await import('../../test/helpers/ingest-fixtures');
  const { uploadKey } = await import('@keyseed/storage/keys');

  for (const threads of threadsList) {
    process.env.INGEST_THREADS = String(threads);
    const logger = new CaptureLogger();
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger });
    const prisma = app.get(PrismaService);
    const store = app.get<import('@keyseed/storage').BlobStore>(BLOB_STORE);
    for (let run = 0; run < runs; run++) {
      const bundle = await createDraftBundle(app, pieceLength, 'bench');
      // A tiny placeholder upload makes the rows; then the real file is hard-linked in its place.
      const item0 = await completeUpload(app, bundle.id, { path: 'film.mkv', locked: true, body: Buffer.alloc(1) });
      const path = store.localPath(uploadKey(item0.id, item0.ingestGeneration))!;
      rmSync(path);
      linkSync(file, path);
      const item = await prisma.item.update({ where: { id: item0.id }, data: { size: bytes } });
      // Idle = the warm app (Prisma's query engine loads on the first query, ~+60 MiB) just before the job.
      const baseline = statusMiB('VmRSS');
      const sampler = sampleRss();
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await enqueueIngest(app, item);
      const ready = await waitForItem(app, item.id, ['READY', 'FAILED'], 600_000);
      const wall = (Date.now() - t0) / 1000;
      const peak = sampler.stop();
      const cpu = process.cpuUsage(cpu0);
      if (ready.status !== 'READY') throw new Error(`ingest failed: ${ready.failureReason}`);
      const d = logger.done[logger.done.length - 1];
      const jobSeconds = d.ms / 1000;
      rows.push(`| ${storage} | ${threads} + main | ${run + 1} | ${(bytes / 1e9 / jobSeconds).toFixed(2)} | ${jobSeconds.toFixed(2)} | ${(d.hashMs / 1000).toFixed(2)} (${(bytes / 1e9 / (d.hashMs / 1000)).toFixed(2)} GB/s) | ${(d.fsyncMs / 1000).toFixed(2)} | ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)} % | ${(bytes / 1e9 / ((cpu.user + cpu.system) / 1e6)).toFixed(2)} | ${peak.toFixed(0)} | ${baseline.toFixed(0)} | +${(peak - baseline).toFixed(0)} | ${loadAvg()} |`);
      const mu = process.memoryUsage();
      process.stderr.write(`${rows[rows.length - 1]}\n  after the job: rss ${mib(mu.rss)} MiB, V8 heap ${mib(mu.heapTotal)}, external ${mib(mu.external)} (ArrayBuffers ${mib(mu.arrayBuffers)})\n`);
      await store.delete(`published/${bundle.id}/`);
      await store.delete(`uploads/${item.id}/`);
    }
    await app.close();
  }

  const speeds = { aes: opensslSpeed('aes-256-ctr'), sha1: opensslSpeed('sha1'), sha256: opensslSpeed('sha256') };
  const ideal = 1 / (1 / speeds.aes + 1 / speeds.sha1 + 2 / speeds.sha256);
  const ltOut = join(dir, 'lt.torrent');
  const lt0 = Date.now();
  execFileSync('/usr/bin/python3', [join(root, 'test/interop/lt_create.py'), 'hybrid', String(pieceLength), file, ltOut], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ltSeconds = (Date.now() - lt0) / 1000;

  const load = loadAvg();
  process.stdout.write(`
### ingest of a ${sizeMiB / 1024} GiB locked item, 4 MiB pieces (${new Date().toISOString().slice(0, 16)}Z, load average at the end ${load})
| storage | threads (pieces + plaintext) | run | GB/s (job) | job s | encrypt+hash s | final fsync s | CPU (of 200 %) | GB per CPU-second | peak RSS MiB (whole process, during job) | idle warm app MiB | ingest adds MiB | load avg after run |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

Same machine, same run: \`openssl speed -evp\` (16 KiB blocks, one core) aes-256-ctr ${speeds.aes.toFixed(2)} GB/s,
sha1 ${speeds.sha1.toFixed(2)} GB/s, sha256 ${speeds.sha256.toFixed(2)} GB/s → one core doing AES + SHA-1 + SHA-256 (v2 leaves)
+ SHA-256 (plaintext) ≈ ${ideal.toFixed(2)} GB/s, two cores ≈ ${(2 * ideal).toFixed(2)} GB/s at best.
libtorrent 2.0.8 hybrid creation of the same (plain) file: ${ltSeconds.toFixed(2)} s (${(bytes / 1e9 / ltSeconds).toFixed(2)} GB/s; hashing only, no encryption,
no plaintext SHA-256, no writes).
`);
  rmSync(ltOut, { force: true });
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
