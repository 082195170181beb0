/**
 * Scale-out benchmark, part 2: ingest MB/s of the same file (random, locked, 4 MiB pieces) on the
 * local disk and on the S3 driver (the loopback S3 server of test/s3, fauxqs, in its own process),
 * through the real job path: the built worker (`dist/`, started with the production Node options),
 * a BullMQ job, the database commit. The local disk runs the positional path on INGEST_THREADS
 * threads; S3 the streaming path (ranged GET stream in, encrypt + hash on the main thread, multipart
 * upload out, 2 parts of 8 MiB in flight). Reports the job's MB/s, the worker's CPU and its peak RSS.
 * The S3 floor: the same object copied through this process with no crypto (the driver's ranged GET
 * stream into its multipart put), and the S3 server's own CPU in each S3 row — what any ingest on this
 * server and these two cores can reach. Not a test.
 *
 *   npm run build && node -r ./scripts/ts-register.js bench/scale/ingest.ts
 *   env: BENCH_MIB (512), BENCH_RUNS (2), BENCH_DIR (/tmp/keyseed-bench-scale)
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigModule } from '@keyseed/config';
import { applyMigrations, DatabaseModule, defaultMigrationsDir, dropDatabase, PrismaService } from '@keyseed/database';
import { JobQueues, QueueName, QueuesModule } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, StorageModule, uploadKey } from '@keyseed/storage';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../../apps/worker/src/process-options';
import { makeRandomFile } from '../common/random-file';

const root = resolve(__dirname, '../..');
const MiB = 1024 * 1024;
const size = Number(process.env.BENCH_MIB ?? 512) * MiB;
const runs = Number(process.env.BENCH_RUNS ?? 2);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-scale';
const pieceLength = 4 * MiB;

const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
db.pathname = '/keyseed_bench_scale_ingest';
Object.assign(process.env, {
  NODE_ENV: 'development',
  DATABASE_URL: db.toString(),
  REDIS_PREFIX: `keyseed_bench_scale_${randomBytes(3).toString('hex')}`,
  KEYSEED_KEK: randomBytes(32).toString('base64'),
  INGEST_CONCURRENCY: '1',
  LOG_LEVEL: 'silent',
});

@Module({ imports: [ConfigModule, DatabaseModule, StorageModule, QueuesModule.register()] })
class FixturesModule {}

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function cpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function startS3(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(process.execPath, [join(root, 'test/s3/s3-server.mjs'), 'bench'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout }).once('line', r));
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    child,
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: 'bench',
      S3_ACCESS_KEY_ID: 'test',
      S3_SECRET_ACCESS_KEY: 'test',
      S3_FORCE_PATH_STYLE: 'true',
    },
  };
}

async function ingestRuns(label: string, driverEnv: Record<string, string>, file: string, s3Server?: ChildProcess) {
  Object.assign(process.env, { STORAGE_DRIVER: 'local', ...driverEnv, DATA_DIR: join(dir, `data-${label}`) });
  const ctx = await NestFactory.createApplicationContext(FixturesModule, { logger: false });
  const prisma = ctx.get(PrismaService);
  const store = ctx.get<BlobStore>(BLOB_STORE);
  const worker = spawn(process.execPath, [...WORKER_NODE_ARGS, join(root, 'dist/apps/worker/src/main.js')], {
    env: { ...process.env, ...WORKER_ENV, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Map<string, { ms: number }>();
  let ready = false;
  createInterface({ input: worker.stdout }).on('line', (l) => {
    if (l.includes('"worker.ready"')) ready = true;
    if (!l.includes('"ingest.done"')) return;
    const id = /"itemId":"([^"]+)"/.exec(l);
    const ms = /"ms":(\d+)/.exec(l);
    if (id && ms) done.set(id[1], { ms: Number(ms[1]) });
  });
  while (!ready) await new Promise((r) => setTimeout(r, 100));
  const creator = await prisma.user.create({
    data: { email: `c-${randomUUID()}@bench.test`, passwordHash: 'x', displayName: 'C', roles: ['CREATOR'] },
  });
  const rows = [];
  for (let run = 1; run <= runs; run++) {
    const bundle = await prisma.bundle.create({
      data: { slug: `ingest-${randomUUID().slice(0, 8)}`, title: 'Bench', creatorId: creator.id, pieceLength },
    });
    const item = await prisma.item.create({
      data: { bundleId: bundle.id, path: 'film.mkv', position: 0, locked: true },
    });
    const key = uploadKey(item.id, 1);
    await store.put(key, createReadStream(file));
    await prisma.item.update({
      where: { id: item.id },
      data: { status: 'QUEUED', size, uploadKey: key, ingestGeneration: 1 },
    });
    const cpu0 = cpuMs(worker.pid!);
    const serverCpu0 = s3Server ? cpuMs(s3Server.pid!) : 0;
    await ctx.get(JobQueues).enqueue(QueueName.Ingest, { itemId: item.id, generation: 1 });
    while (!done.has(item.id)) await new Promise((r) => setTimeout(r, 50));
    const { ms } = done.get(item.id)!;
    const cpu = cpuMs(worker.pid!) - cpu0;
    rows.push({
      storage: label,
      run,
      mbPerSec: Number((size / 1e6 / (ms / 1000)).toFixed(1)),
      jobSeconds: ms / 1000,
      workerCpuSeconds: cpu / 1000,
      ...(s3Server ? { s3ServerCpuSeconds: (cpuMs(s3Server.pid!) - serverCpu0) / 1000 } : {}),
      peakRssMiB: Math.round(procStatus(worker.pid!, 'VmHWM')),
      loadAverage: loadavg()[0].toFixed(1),
    });
    if (s3Server) rows.push(await copyThrough(store, key, s3Server, run));
    await store.delete(`published/${bundle.id}/`);
    await store.delete(`uploads/${item.id}/`);
    await store.delete(`floor/${item.id}`);
  }
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await ctx.close();
  return rows;
}

/** The floor: the upload streamed back into a multipart put by this process, nothing computed. */
async function copyThrough(store: BlobStore, key: string, s3Server: ChildProcess, run: number) {
  const floorKey = `floor/${key.split('/')[1]}`;
  const serverCpu0 = cpuMs(s3Server.pid!);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await store.put(floorKey, store.read(key));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    storage: 'S3 floor: copy-through, no crypto',
    run,
    mbPerSec: Number((size / 1e6 / seconds).toFixed(1)),
    jobSeconds: Number(seconds.toFixed(1)),
    workerCpuSeconds: (cpu.user + cpu.system) / 1e6,
    s3ServerCpuSeconds: (cpuMs(s3Server.pid!) - serverCpu0) / 1000,
    loadAverage: loadavg()[0].toFixed(1),
  };
}

async function main(): Promise<void> {
  await dropDatabase(process.env.DATABASE_URL as string).catch(() => undefined);
  await applyMigrations(process.env.DATABASE_URL as string, defaultMigrationsDir());
  const file = makeRandomFile(join(dir, `film-${size / MiB}MiB.bin`), size);
  const s3 = await startS3();
  try {
    const rows = [
      ...(await ingestRuns('local disk', {}, file)),
      ...(await ingestRuns('S3 (fauxqs)', s3.env, file, s3.child)),
    ];
    for (const r of rows) console.log(JSON.stringify(r));
    const best = (label: string) => Math.max(...rows.filter((r) => r.storage === label).map((r) => r.mbPerSec));
    const ratio = (a: string, b: string) => Number((best(a) / best(b)).toFixed(2));
    console.log(
      JSON.stringify({
        s3VsLocal: ratio('S3 (fauxqs)', 'local disk'),
        s3VsFloor: ratio('S3 (fauxqs)', 'S3 floor: copy-through, no crypto'),
        floorVsLocal: ratio('S3 floor: copy-through, no crypto', 'local disk'),
      }),
    );
  } finally {
    s3.child.kill('SIGTERM');
    rmSync(join(dir, 'data-local disk'), { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
