/**
 * Webseed benchmark: random 4 MiB piece ranges (what BEP 19 clients ask for) from the Keyseed API
 * next to nginx (sendfile) and `python3 -m http.server`, all serving the same file from the page
 * cache on loopback, measured with wrk in the same run. Not a test: prints a markdown table.
 *
 *   bench/webseed/run.sh      env: BENCH_SIZE_MIB (1024), BENCH_PIECE (4194304), BENCH_SECONDS (10),
 *                             BENCH_CONNECTIONS (4), BENCH_ROUNDS (3), BENCH_DIR (/tmp/keyseed-bench-webseed),
 *                             DATABASE_URL (a database `keyseed_bench_webseed` is created next to it)
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, createDatabaseIfMissing, defaultMigrationsDir } from '@keyseed/database';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@keyseed/database';
import { makeRandomFile } from '../common/random-file';

const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const piece = Number(process.env.BENCH_PIECE ?? 4 * 1024 * 1024);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const roundsCount = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench-webseed';
const baseDb = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed');
baseDb.pathname = '/keyseed_bench_webseed';
const databaseUrl = baseDb.toString();
const BUNDLE_ID = '00000000-0000-4000-8000-00000000beef';
const SLUG = 'bench-webseed';
const FILE = 'film.mkv.locked';
const ports = { keyseed: 18080, nginx: 18081, python: 18082 };

async function seedDatabase(): Promise<void> {
  await createDatabaseIfMissing(databaseUrl);
  await applyMigrations(databaseUrl, defaultMigrationsDir());
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    const creator = await prisma.user.upsert({
      where: { email: 'bench-creator@example.test' },
      update: {},
      create: { email: 'bench-creator@example.test', passwordHash: 'x', displayName: 'Bench', roles: ['CREATOR'] },
    });
    await prisma.bundle.upsert({
      where: { id: BUNDLE_ID },
      update: { status: 'PUBLISHED' },
      create: {
        id: BUNDLE_ID,
        slug: SLUG,
        creatorId: creator.id,
        title: 'Bench',
        pieceLength: piece,
        status: 'PUBLISHED',
        infoHashV1: 'b'.repeat(40),
        infoHashV2: 'b'.repeat(64),
        infoHashV1Legacy: 'c'.repeat(40),
        publishedAt: new Date(),
        items: {
          create: [
            { path: 'film.mkv', locked: true, position: 0, status: 'READY', size: BigInt(sizeMiB * 1024 * 1024) },
          ],
        },
      },
    });
  } finally {
    await prisma.$disconnect();
  }
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, quiet = false): ChildProcess {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.resume();
  if (quiet) proc.stderr.resume();
  else proc.stderr.on('data', (c) => process.stderr.write(`[${cmd}] ${c}`));
  return proc;
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { method: 'HEAD' });
      if (res.status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within 30 s`);
}

interface Result {
  name: string;
  mbps: number;
  reqs: number;
  p50: number;
  p99: number;
  errors: number;
  note: string;
}

function median(results: Result[]): Result {
  return [...results].sort((x, y) => x.mbps - y.mbps)[Math.floor(results.length / 2)];
}

function wrk(name: string, url: string, note = '', duration = seconds): Result {
  const u = new URL(url);
  const out = execFileSync(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${duration}s`,
      '--timeout',
      '30s',
      '-s',
      join(__dirname, 'random-piece.lua'),
      `${u.origin}/`,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, WS_PATH: u.pathname, WS_SIZE: String(sizeMiB * 1024 * 1024), WS_PIECE: String(piece) },
    },
  );
  const m =
    /RESULT requests=(\d+) bytes=(\d+) seconds=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) errors=(\d+) non2xx=(\d+)/.exec(
      out,
    );
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  const [reqs, bytes, secs, p50, p99, errors, non2xx] = m.slice(1).map(Number);
  return { name, mbps: bytes / secs / 1e6, reqs: reqs / secs, p50, p99, errors: errors + non2xx, note };
}

async function main(): Promise<void> {
  const dataDir = join(dir, 'data');
  const published = join(dataDir, 'blobs', 'published', BUNDLE_ID);
  const file = join(published, FILE);
  makeRandomFile(file, sizeMiB * 1024 * 1024);
  writeFileSync(join(published, 'keyseed.json'), '{}');
  await seedDatabase();
  void readFileSync(file).length; // warm the page cache (≤ 1–2 GiB)

  const nginxConf = join(dir, 'nginx.conf');
  writeFileSync(
    nginxConf,
    `worker_processes 1;
daemon off;
error_log ${dir}/nginx-error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/nginx-tmp;
  proxy_temp_path ${dir}/nginx-tmp;
  fastcgi_temp_path ${dir}/nginx-tmp;
  uwsgi_temp_path ${dir}/nginx-tmp;
  scgi_temp_path ${dir}/nginx-tmp;
  server {
    listen 127.0.0.1:${ports.nginx};
    location /webseed/${SLUG}/ { alias ${published}/; }
  }
}
`,
  );
  mkdirSync(join(dir, 'nginx-tmp'), { recursive: true });

  const env = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    PORT: String(ports.keyseed),
    LOG_LEVEL: 'warn',
    REDIS_PREFIX: 'keyseed_bench_webseed',
    PUBLIC_URL: `http://127.0.0.1:${ports.keyseed}`,
  };
  const procs = [
    start('node', ['-r', join(__dirname, '../../scripts/ts-register.js'), join(__dirname, 'server.ts')], env),
    start('nginx', ['-c', nginxConf, '-p', dir]),
    start(
      '/usr/bin/python3',
      ['-m', 'http.server', String(ports.python), '--bind', '127.0.0.1', '--directory', published],
      process.env,
      true,
    ), // logs every request
  ];
  const path = `/webseed/${SLUG}/${FILE}`;
  try {
    const urls = {
      keyseed: `http://127.0.0.1:${ports.keyseed}${path}`,
      nginx: `http://127.0.0.1:${ports.nginx}${path}`,
      python: `http://127.0.0.1:${ports.python}/${FILE}`,
    };
    await Promise.all(Object.values(urls).map(waitForHttp));
    const check = await fetch(urls.keyseed, { headers: { Range: 'bytes=0-0' } });
    if (check.status !== 206) throw new Error(`keyseed webseed answered ${check.status}`);
    // Warm-up (JIT, connection pools, page cache), then interleaved rounds; the table shows medians.
    for (const url of [urls.keyseed, urls.nginx]) wrk('warm-up', url, '', 2);
    const rounds: Result[][] = [];
    for (let i = 0; i < roundsCount; i++)
      rounds.push([
        wrk('keyseed webseed (Nest app, pooled positional reads)', urls.keyseed),
        wrk('nginx 1.22 (sendfile, 1 worker)', urls.nginx),
      ]);
    const results = [0, 1].map((k) => median(rounds.map((r) => r[k])));
    results.push(wrk('python3 -m http.server', urls.python, 'ignores Range: whole file (200) per request'));
    const nginx = results[1].mbps;
    // Load from other processes swings within seconds: the ratio of each round's adjacent pair is steadier.
    const ratios = rounds.map(([k, n]) => n.mbps / k.mbps).sort((a, b) => a - b);
    const pairRatio = ratios[Math.floor(ratios.length / 2)];
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(
      `\nfile ${sizeMiB} MiB (page cache), random ${piece / 1048576} MiB piece ranges, wrk -t1 -c${connections} -d${seconds}s, ` +
        `median of ${roundsCount} interleaved rounds, ${new Date().toISOString()}, load avg after ${load}\n`,
    );
    console.log('| server | MB/s | req/s | p50 ms | p99 ms | errors | nginx ÷ server | per-round MB/s |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|');
    results.forEach((r, k) => {
      const each = k < 2 ? rounds.map((round) => round[k].mbps.toFixed(0)).join(', ') : r.note;
      console.log(
        `| ${r.name} | ${r.mbps.toFixed(0)} | ${r.reqs.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${(nginx / r.mbps).toFixed(2)}× | ${each} |`,
      );
    });
    console.log(
      `\nmedian over rounds of (nginx MB/s ÷ keyseed MB/s) in the same round: ${pairRatio.toFixed(2)}× (per round: ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
    );
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
