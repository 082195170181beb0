/**
 * Ingest benchmark: one generated locked item (2 GiB, `--big` 8 GiB, 4 MiB pieces) through the real
 * job path — BullMQ job, the worker process, threads, staging file, fsync, rename, database commit —
 * next to `openssl speed -evp` for the primitives and libtorrent's hybrid creation on the same file.
 * Not a test: prints a Markdown section for BENCHMARKS.md.
 *
 *   npm run build && node dist/bench/ingest/run.js [--big]
 *   env: BENCH_DIR (default /tmp/keyseed-bench-ingest; the upload, DATA_DIR and the ciphertext live
 *        there: /dev/shm/… takes the disk out and measures the CPU path), BENCH_THREADS (INGEST_THREADS values to try,
 *        default "2"), BENCH_RUNS (default 2), DATABASE_URL / REDIS_URL (a `_bench` database is created)
 *
 * The worker is the built `dist/apps/worker/src/main.js` in a process of its own, started with the
 * same Node options and environment as `scripts/start.js` starts it (`WORKER_NODE_ARGS`, `WORKER_ENV`);
 * this process only makes the rows, enqueues and watches from outside (/proc). One worker process per
 * thread count; its runs go one after the other. CPU is the worker's user+system time over the job's
 * wall time (all threads); RSS is the worker's VmRSS sampled every 50 ms during the job, its VmRSS when
 * idle just before the job, and its VmHWM (highest RSS over the process's whole life so far).
 */
import { Module } from '@nestjs/common';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigModule } from '@keyseed/config';
import {
  applyMigrations,
  createDatabaseIfMissing,
  DatabaseModule,
  defaultMigrationsDir,
  PrismaService,
} from '@keyseed/database';
import { QueuesModule } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, StorageModule, uploadKey } from '@keyseed/storage';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../../apps/worker/src/process-options';
import { completeUpload, createDraftBundle, enqueueIngest, waitForItem } from '../../test/helpers/ingest-fixtures';
import { makeRandomFile } from '../common/random-file';

const big = process.argv.includes('--big');
const sizeMiB = big ? 8192 : 2048;
const pieceLength = 4 * 1024 * 1024;
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-ingest';
const threadsList = (process.env.BENCH_THREADS ?? '2').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 2);
const root = resolve(__dirname, '..', '..', ...(__filename.endsWith('.js') ? ['..'] : []));
const workerMain = join(root, 'dist', 'apps', 'worker', 'src', 'main.js');
/** Settling time after `worker.ready` (boot queries, background compilation) before the idle reading. */
const SETTLE_MS = 5000;

const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
dbUrl.pathname = '/keyseed_bench';
Object.assign(process.env, {
  NODE_ENV: 'test',
  DATABASE_URL: dbUrl.toString(),
  REDIS_PREFIX: `keyseed_bench_${randomBytes(3).toString('hex')}`,
  DATA_DIR: join(dir, 'data'),
  KEYSEED_KEK: randomBytes(32).toString('base64'),
  INGEST_CONCURRENCY: '1',
  LOG_LEVEL: 'silent',
});

/** Rows, blob store and queues without a worker: the worker process is the only consumer. */
@Module({ imports: [ConfigModule, DatabaseModule, StorageModule, QueuesModule.register()] })
class BenchFixturesModule {}

/** OpenSSL's own throughput (GB/s) for 16 KiB blocks, one core. */
function opensslSpeed(alg: string): number {
  const out = execFileSync('openssl', ['speed', '-evp', alg, '-bytes', '16384', '-seconds', '2'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  const line = out
    .split('\n')
    .reverse()
    .find((l) => l.toLowerCase().startsWith(alg));
  const k = line?.trim().split(/\s+/).pop() ?? '0k';
  return (parseFloat(k) * 1000) / 1e9;
}

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

function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

/** User + system CPU seconds of process `pid`, all threads. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

/** Highest VmRSS of `pid` seen every 50 ms until `stop()`. */
function sampleRss(pid: number): { stop(): number } {
  let max = statusMiB(pid, 'VmRSS');
  const timer = setInterval(() => {
    max = Math.max(max, statusMiB(pid, 'VmRSS'));
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, statusMiB(pid, 'VmRSS'));
    },
  };
}

/** The worker as production starts it, its JSON log lines watched for `worker.ready` and `ingest.done`. */
async function startWorker(
  threads: number,
): Promise<{ child: ChildProcess; done: Record<string, number>[]; bootMiB: number }> {
  if (!existsSync(workerMain)) throw new Error(`${workerMain} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [...WORKER_NODE_ARGS, workerMain], {
    cwd: root,
    env: { ...process.env, ...WORKER_ENV, INGEST_THREADS: String(threads), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done: Record<string, number>[] = [];
  const ready = new Promise<void>((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = line.startsWith('{') ? (JSON.parse(line) as Record<string, number> & { event?: string }) : null;
      if (event?.event === 'worker.ready') resolveReady();
      if (event?.event === 'ingest.done') done.push(event);
    });
  });
  await ready;
  const bootMiB = statusMiB(child.pid!, 'VmRSS');
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return { child, done, bootMiB };
}

async function main(): Promise<void> {
  await createDatabaseIfMissing(process.env.DATABASE_URL!);
  await applyMigrations(process.env.DATABASE_URL!, defaultMigrationsDir());
  const file = makeRandomFile(join(dir, `content-${sizeMiB}MiB.bin`), sizeMiB * 1024 * 1024);
  const bytes = statSync(file).size;
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 }); // into the page cache

  const rows: string[] = [];
  const storage = fsType(dir);
  const { NestFactory } = await import('@nestjs/core');
  const app = await NestFactory.createApplicationContext(BenchFixturesModule, { logger: false });
  const prisma = app.get(PrismaService);
  const store = app.get<BlobStore>(BLOB_STORE);

  for (const threads of threadsList) {
    const { child, done, bootMiB } = await startWorker(threads);
    const pid = child.pid!;
    for (let run = 0; run < runs; run++) {
      const bundle = await createDraftBundle(app, pieceLength, 'bench');
      // A tiny placeholder upload makes the rows; then the real file is hard-linked in its place.
      const item0 = await completeUpload(app, bundle.id, { path: 'film.mkv', locked: true, body: Buffer.alloc(1) });
      const path = store.localPath(uploadKey(item0.id, item0.ingestGeneration))!;
      rmSync(path);
      linkSync(file, path);
      const item = await prisma.item.update({ where: { id: item0.id }, data: { size: bytes } });
      const idle = statusMiB(pid, 'VmRSS');
      const sampler = sampleRss(pid);
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      await enqueueIngest(app, item);
      const ready = await waitForItem(app, item.id, ['READY', 'FAILED'], 600_000);
      const wall = (Date.now() - t0) / 1000;
      const peak = sampler.stop();
      const cpu = cpuSeconds(pid) - cpu0;
      if (ready.status !== 'READY') throw new Error(`ingest failed: ${ready.failureReason}`);
      while (done.length <= run) await new Promise((r) => setTimeout(r, 20)); // its log line may trail the commit
      const d = done[run];
      const jobSeconds = d.ms / 1000;
      const mbps = (b: number, s: number) => (b / 1e6 / s).toFixed(0);
      rows.push(
        `| ${storage} | ${threads} + main | ${run + 1} | ${mbps(bytes, jobSeconds)} | ${jobSeconds.toFixed(2)} | ${(d.hashMs / 1000).toFixed(2)} (${mbps(bytes, d.hashMs / 1000)} MB/s) | ${(d.fsyncMs / 1000).toFixed(2)} | ${((cpu / wall) * 100).toFixed(0)} % | ${(bytes / 1e9 / cpu).toFixed(2)} | ${peak.toFixed(0)} | ${statusMiB(pid, 'VmHWM').toFixed(0)} | ${idle.toFixed(0)} | ${bootMiB.toFixed(0)} | ${loadAvg()} |`,
      );
      process.stderr.write(`${rows[rows.length - 1]}\n`);
      await store.delete(`published/${bundle.id}/`);
      await store.delete(`uploads/${item.id}/`);
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await app.close();

  const speeds = { aes: opensslSpeed('aes-256-ctr'), sha1: opensslSpeed('sha1'), sha256: opensslSpeed('sha256') };
  const ideal = 1 / (1 / speeds.aes + 1 / speeds.sha1 + 2 / speeds.sha256);
  const ltOut = join(dir, 'lt.torrent');
  const lt0 = Date.now();
  execFileSync(
    '/usr/bin/python3',
    [join(root, 'test/interop/lt_create.py'), 'hybrid', String(pieceLength), file, ltOut],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const ltSeconds = (Date.now() - lt0) / 1000;

  process.stdout.write(`
### ingest of a ${sizeMiB / 1024} GiB locked item, 4 MiB pieces (${new Date().toISOString().slice(0, 16)}Z, load average at the end ${loadAvg()})
Worker: \`${Object.entries(WORKER_ENV)
    .map(([k, v]) => `${k}=${v} `)
    .join('')}node ${WORKER_NODE_ARGS.join(' ')} dist/apps/worker/src/main.js\` (as scripts/start.js runs it).

| storage | threads (pieces + plaintext) | run | MB/s (job) | job s | encrypt+hash s | final fsync s | CPU (of 200 %) | GB per CPU-second | peak RSS MiB during job | VmHWM MiB (process life) | idle MiB before job | MiB at worker.ready | load avg after run |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

Same machine, same run: \`openssl speed -evp\` (16 KiB blocks, one core) aes-256-ctr ${speeds.aes.toFixed(2)} GB/s,
sha1 ${speeds.sha1.toFixed(2)} GB/s, sha256 ${speeds.sha256.toFixed(2)} GB/s → one core doing AES + SHA-1 + SHA-256 (v2 leaves)
+ SHA-256 (plaintext) ≈ ${ideal.toFixed(2)} GB/s, two cores ≈ ${(2 * ideal).toFixed(2)} GB/s at best.
libtorrent 2.0.8 hybrid creation of the same (plain) file: ${ltSeconds.toFixed(2)} s (${(bytes / 1e9 / ltSeconds).toFixed(2)} GB/s; hashing only, no encryption,
no plaintext SHA-256, no writes).
`);
  rmSync(ltOut, { force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
