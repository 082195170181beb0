/**
 * Torrent-creation benchmark: Keyseed against libtorrent, mktorrent, transmission-create and the
 * npm `create-torrent`, on the same generated file and piece length. Not a test: prints a table.
 *
 *   npm run build && node dist/bench/torrent-create/run.js [sizeMiB] [pieceLength]
 *   env: BENCH_SIZE_MIB (default 2048), BENCH_PIECE (default 4MiB), BENCH_RUNS (default 3),
 *        BENCH_DIR (default /tmp/keyseed-bench), BENCH_ONLY (comma-separated tool names)
 *
 * Wall time and peak RSS come from `/usr/bin/time -f "%e %M"` around each process (so Node and
 * Python start-up are included for everyone). The file is read once before timing, so every tool
 * reads from the page cache. `create-torrent` is installed into /tmp/ct if missing (outside the repo).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseByteSize } from '@keyseed/torrent';
import { makeRandomFile } from '../common/random-file';

const root = resolve(__dirname, '../../..');
const sizeMiB = Number(process.argv[2] ?? process.env.BENCH_SIZE_MIB ?? 2048);
const pieceLength = parseByteSize(process.argv[3] ?? process.env.BENCH_PIECE ?? '4MiB');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = process.env.BENCH_DIR ?? '/tmp/keyseed-bench';
const only = process.env.BENCH_ONLY?.split(',');
const ctDir = '/tmp/ct';

function makeFile(): string {
  return makeRandomFile(join(dir, `content-${sizeMiB}MiB.bin`), sizeMiB * 1024 * 1024);
}

function ensureCreateTorrent(): string {
  const cmd = join(ctDir, 'node_modules/create-torrent/bin/cmd.js');
  if (!existsSync(cmd))
    execFileSync('npm', ['install', '--prefix', ctDir, '--no-audit', '--no-fund', 'create-torrent'], {
      stdio: 'inherit',
    });
  return cmd;
}

interface Tool {
  name: string;
  argv: (file: string, out: string) => string[];
}

const log2 = Math.log2(pieceLength);
const cli = join(root, 'dist/bench/torrent-create/keyseed-create.js');
const fullCli = join(root, 'dist/apps/cli/src/main.js');
const lt = join(root, 'test/interop/lt_create.py');
const tools: Tool[] = [
  {
    name: 'keyseed hybrid',
    argv: (f, o) => ['node', cli, 'torrent', 'create', f, '-o', o, '--piece-length', String(pieceLength), '--no-date'],
  },
  {
    name: 'keyseed hybrid (full CLI start-up)',
    argv: (f, o) => [
      'node',
      fullCli,
      'torrent',
      'create',
      f,
      '-o',
      o,
      '--piece-length',
      String(pieceLength),
      '--no-date',
    ],
  },
  {
    name: 'keyseed v1-only',
    argv: (f, o) => [
      'node',
      cli,
      'torrent',
      'create',
      f,
      '-o',
      o,
      '--piece-length',
      String(pieceLength),
      '--no-date',
      '--v1-only',
    ],
  },
  { name: 'libtorrent hybrid', argv: (f, o) => ['/usr/bin/python3', lt, 'hybrid', String(pieceLength), f, o] },
  { name: 'libtorrent v1-only', argv: (f, o) => ['/usr/bin/python3', lt, 'v1', String(pieceLength), f, o] },
  { name: 'mktorrent -t 1', argv: (f, o) => ['mktorrent', '-d', '-t', '1', '-l', String(log2), '-o', o, f] },
  { name: 'mktorrent -t 2', argv: (f, o) => ['mktorrent', '-d', '-t', '2', '-l', String(log2), '-o', o, f] },
  {
    name: 'transmission-create',
    argv: (f, o) => ['transmission-create', '-s', String(pieceLength / 1024), '-o', o, f],
  },
  {
    name: 'create-torrent (npm)',
    argv: (f, o) => ['node', ensureCreateTorrent(), f, '--pieceLength', String(pieceLength), '--outfile', o],
  },
];

function measure(tool: Tool, file: string): { wall: number; rssMiB: number } {
  const out = join(dir, `out-${tool.name.replace(/\W+/g, '_')}.torrent`);
  spawnSync('rm', ['-f', out]);
  const timeFile = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M', ...tool.argv(file, out)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0 || !existsSync(out))
    throw new Error(`${tool.name} failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
  const [wall, rssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, rssMiB: rssKiB / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  if (!existsSync(cli)) throw new Error('build first: npm run build');
  const file = makeFile();
  spawnSync('sh', ['-c', `cat '${file}' > /dev/null`]); // warm the page cache
  const selected = tools.filter((t) => !only || only.some((o) => t.name.includes(o)));
  const results = new Map<string, { wall: number[]; rss: number[] }>(
    selected.map((t) => [t.name, { wall: [], rss: [] }]),
  );
  // Interleave runs so background load hits every tool alike.
  for (let i = 0; i < runs; i++) {
    for (const t of selected) {
      const m = measure(t, file);
      results.get(t.name)!.wall.push(m.wall);
      results.get(t.name)!.rss.push(m.rssMiB);
      process.stderr.write(`${t.name} run ${i + 1}: ${m.wall.toFixed(2)} s, ${m.rssMiB.toFixed(0)} MiB\n`);
    }
  }
  const bytes = sizeMiB * 1024 * 1024;
  const ks = median(results.get('keyseed hybrid')?.wall ?? [NaN]);
  const lines = [
    `file ${sizeMiB} MiB (random, page cache), piece length ${pieceLength / 1024} KiB, median of ${runs} runs, ${new Date().toISOString()}`,
    '',
    '| tool | median wall (s) | MB/s | peak RSS (MiB) | time vs keyseed hybrid |',
    '|---|---:|---:|---:|---:|',
    ...selected.map((t) => {
      const r = results.get(t.name)!;
      const w = median(r.wall);
      return `| ${t.name} | ${w.toFixed(2)} | ${(bytes / 1e6 / w).toFixed(0)} | ${Math.max(...r.rss).toFixed(0)} | ${(w / ks).toFixed(2)}× |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
