/**
 * Interop: Keyseed's torrents against libtorrent 2.0 (python3-libtorrent, via lt_create.py and
 * lt_check.py), mktorrent, aria2c and transmission-show.
 *
 * Most tests call the CLI command functions in-process (from TypeScript, so hashing runs on the
 * test thread). The last block spawns the compiled CLI (dist/, which CI builds with `npm run build`
 * before `npm test`) to cover worker-thread hashing, exit codes and one-line errors; it builds
 * dist/ itself if it is missing. Test data is generated (≈ 10 MiB) under the OS temp dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { parseTorrent } from '@keyseed/torrent';
import { createTorrentCommand } from '../../apps/cli/src/torrent/create';
import { inspectTorrentCommand } from '../../apps/cli/src/torrent/inspect';
import { verifyTorrentCommand } from '../../apps/cli/src/torrent/verify';

const PY = '/usr/bin/python3';
const ROOT = resolve(__dirname, '../..');
const hasLibtorrent = spawnSync(PY, ['-c', 'import libtorrent'], { stdio: 'ignore' }).status === 0;
if (!hasLibtorrent) {
  console.warn(
    '\n\n!!! SKIPPING torrent interop tests: /usr/bin/python3 cannot import libtorrent (apt install python3-libtorrent) !!!\n\n',
  );
}
const describeLt = hasLibtorrent ? describe : describe.skip;

const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE_LENGTHS = [16 * KiB, 256 * KiB, 4 * MiB];

/** Deterministic bytes (fast, seeded): SHA-256 in counter mode. */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0, o = 0; o < n; i++, o += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, o);
  return out;
}

function write(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

function ltCreate(
  mode: 'hybrid' | 'v2' | 'v1',
  pl: number,
  input: string,
  out: string,
): { v1: string | null; v2: string | null } {
  return JSON.parse(
    execFileSync(PY, [join(__dirname, 'lt_create.py'), mode, String(pl), input, out], { encoding: 'utf8' }),
  );
}

function ltCheck(
  torrent: string,
  savePath: string,
): { pieces: number; have: number; v1: string | null; v2: string | null; error: string | null } {
  return JSON.parse(execFileSync(PY, [join(__dirname, 'lt_check.py'), torrent, savePath], { encoding: 'utf8' }));
}

describeLt('torrent interop', () => {
  let tmp: string;
  const sets = new Map<number, { folder: string; singles: Record<string, string> }>();

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'keyseed-torrent-interop-'));
    for (const pl of PIECE_LENGTHS) {
      const folder = join(tmp, `set-${pl / KiB}k`, 'Bundle Ünï');
      const files: Record<string, number> = {
        empty: 0,
        'a/one.bin': 1,
        'a-b.txt': 1000,
        'a.z': 777,
        'B/upper.txt': 3,
        'Ünïcödé/фильм 🎬.mkv': pl + 1,
        'nested/deep/dir/exact.bin': pl,
        'nested/odd.bin': Math.floor(pl / 3) + 17,
      };
      for (const [p, size] of Object.entries(files)) write(join(folder, p), bytes(size, `${pl}:${p}`));
      sets.set(pl, {
        folder,
        singles: {
          'just over a piece': join(folder, 'Ünïcödé/фильм 🎬.mkv'),
          '1 byte': join(folder, 'a/one.bin'),
          'exactly one piece': join(folder, 'nested/deep/dir/exact.bin'),
          'odd size': join(folder, 'nested/odd.bin'),
        },
      });
    }
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const inputs = (pl: number): [string, string][] => {
    const s = sets.get(pl)!;
    return [
      ['folder', s.folder],
      ...Object.entries(s.singles).map(([k, v]) => [`single file, ${k}`, v] as [string, string]),
    ];
  };

  describe.each(PIECE_LENGTHS.map((pl) => [`${pl / KiB} KiB`, pl]))('piece length %s', (_label, pl) => {
    it.each(['hybrid', 'v2'] as const)(
      '%s info-hashes equal libtorrent create_torrent, and libtorrent verifies every piece',
      async (mode) => {
        for (const [what, input] of inputs(pl)) {
          const ours = await createTorrentCommand({
            input,
            output: join(tmp, `ks-${mode}-${pl}.torrent`),
            pieceLength: pl,
            mode,
            noDate: true,
            progress: false,
          });
          const ref = ltCreate(mode, pl, input, join(tmp, `lt-${mode}-${pl}.torrent`));
          expect({ what, v1: ours.infoHashV1, v2: ours.infoHashV2 }).toEqual({ what, v1: ref.v1, v2: ref.v2 });
          const check = ltCheck(ours.output, dirname(input));
          expect({ what, ...check }).toEqual({
            what,
            pieces: check.pieces,
            have: check.pieces,
            v1: ref.v1,
            v2: ref.v2,
            error: null,
          });
          expect(check.pieces).toBeGreaterThan(0);
        }
      },
    );

    it('v1-only info-hashes equal libtorrent v1_only (files in path order) and mktorrent; libtorrent verifies every piece', async () => {
      for (const [what, input] of inputs(pl)) {
        const ours = await createTorrentCommand({
          input,
          output: join(tmp, `ks-v1-${pl}.torrent`),
          pieceLength: pl,
          mode: 'v1',
          noDate: true,
          progress: false,
        });
        const ref = ltCreate('v1', pl, input, join(tmp, `lt-v1-${pl}.torrent`));
        expect({ what, v1: ours.infoHashV1, v2: ours.infoHashV2 }).toEqual({ what, v1: ref.v1, v2: null });
        if (pl >= 32 * KiB) {
          // mktorrent's minimum piece length is 32 KiB (-l 15).
          const mk = join(tmp, `mk-${pl}.torrent`);
          rmSync(mk, { force: true });
          execFileSync('mktorrent', ['-d', '-l', String(Math.log2(pl)), '-o', mk, input], { stdio: 'ignore' });
          expect({ what, v1: parseTorrent(readFileSync(mk)).infoHashV1 }).toEqual({ what, v1: ours.infoHashV1 });
        }
        const check = ltCheck(ours.output, dirname(input));
        expect({ what, have: check.have, error: check.error }).toEqual({ what, have: check.pieces, error: null });
      }
    });
  });

  it('aria2c reads our v1 and hybrid torrents; transmission-show reads v1 ones', async () => {
    const { folder } = sets.get(16 * KiB)!;
    for (const mode of ['hybrid', 'v1'] as const) {
      const out = join(tmp, `show-${mode}.torrent`);
      await createTorrentCommand({
        input: folder,
        output: out,
        pieceLength: 16 * KiB,
        mode,
        noDate: true,
        announce: ['http://127.0.0.1:1/announce'],
        progress: false,
      });
      const aria = spawnSync('aria2c', ['--show-files', out], { encoding: 'utf8' });
      expect(aria.status).toBe(0);
      expect(aria.stdout).toContain('фильм 🎬.mkv');
      expect(aria.stdout).toContain('Bundle Ünï');
      if (mode === 'v1') {
        const tr = spawnSync('transmission-show', [out], { encoding: 'utf8' });
        expect(tr.status).toBe(0);
        expect(tr.stdout).toContain('Bundle Ünï');
        expect(tr.stdout).toContain('фильм 🎬.mkv');
      }
    }
  });

  it('verify flags a flipped byte in the right piece (v1 and v2)', async () => {
    const pl = 16 * KiB;
    const copy = join(tmp, 'flipped', 'Bundle Ünï');
    cpSync(sets.get(pl)!.folder, copy, { recursive: true });
    const torrentPath = join(tmp, 'flip.torrent');
    await createTorrentCommand({ input: copy, output: torrentPath, pieceLength: pl, noDate: true, progress: false });
    expect((await verifyTorrentCommand(torrentPath, copy, { progress: false })).bad).toEqual([]);

    const victim = join(copy, 'Ünïcödé/фильм 🎬.mkv');
    const data = readFileSync(victim);
    data[pl] ^= 0xff; // first byte of the file's piece 1 (its last, 1-byte piece)
    writeFileSync(victim, data);
    const r = await verifyTorrentCommand(torrentPath, dirname(copy), { progress: false });
    const file = r.torrent.files.find((f) => f.path.join('/') === 'Ünïcödé/фильм 🎬.mkv')!;
    expect(r.bad).toEqual([
      { version: 'v1', piece: file.offset / pl + 1, file: 'Ünïcödé/фильм 🎬.mkv', pieceInFile: 1 },
      { version: 'v2', piece: 1, file: 'Ünïcödé/фильм 🎬.mkv' },
    ]);
    expect(ltCheck(torrentPath, dirname(copy)).have).toBe(r.piecesChecked.v1 - 1);

    // classic v1 (pieces span files): the flipped piece is found in the stream
    const v1Path = join(tmp, 'flip-v1.torrent');
    data[pl] ^= 0xff;
    writeFileSync(victim, data);
    await createTorrentCommand({
      input: copy,
      output: v1Path,
      pieceLength: pl,
      mode: 'v1',
      noDate: true,
      progress: false,
    });
    data[0] ^= 1;
    writeFileSync(victim, data);
    const r1 = await verifyTorrentCommand(v1Path, copy, { progress: false });
    expect(r1.bad).toHaveLength(1);
    expect(r1.bad[0].file).toContain('Ünïcödé/фильм 🎬.mkv');
  });

  it('inspect reports truncated and garbage files precisely', async () => {
    const good = join(tmp, 'good.torrent');
    await createTorrentCommand({
      input: sets.get(16 * KiB)!.folder,
      output: good,
      pieceLength: 16 * KiB,
      noDate: true,
      progress: false,
    });
    expect(inspectTorrentCommand(good)).toContain('version:      hybrid');
    const truncated = join(tmp, 'truncated.torrent');
    writeFileSync(truncated, readFileSync(good).subarray(0, 300));
    expect(() => inspectTorrentCommand(truncated)).toThrow(
      /truncated\.torrent: invalid torrent: truncated: .* at byte \d+ \(file is 300 bytes\)/,
    );
    const garbage = join(tmp, 'garbage.torrent');
    writeFileSync(garbage, '<html>not a torrent</html>');
    expect(() => inspectTorrentCommand(garbage)).toThrow("invalid torrent: invalid bencode: unexpected '<' at byte 0");
  });

  describe('compiled CLI (dist/)', () => {
    const main = join(ROOT, 'dist/apps/cli/src/main.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

    beforeAll(() => {
      if (!existsSync(main)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    });

    it('creates with worker threads the same torrent as libtorrent and prints hashes and magnet', () => {
      const { folder } = sets.get(256 * KiB)!;
      const out = join(tmp, 'cli.torrent');
      const r = run(
        'torrent',
        'create',
        folder,
        '-o',
        out,
        '--piece-length',
        '256KiB',
        '--no-date',
        '--announce',
        'https://k.example/announce',
      );
      expect(r.status).toBe(0);
      const ref = ltCreate('hybrid', 256 * KiB, folder, join(tmp, 'cli-ref.torrent'));
      expect(r.stdout).toContain(`info-hash v1: ${ref.v1}`);
      expect(r.stdout).toContain(`info-hash v2: ${ref.v2}`);
      expect(r.stdout).toContain(
        `magnet:?xt=urn:btih:${ref.v1}&xt=urn:btmh:1220${ref.v2}&dn=Bundle%20%C3%9Cn%C3%AF&tr=https%3A%2F%2Fk.example%2Fannounce`,
      );
      expect(run('torrent', 'verify', out, folder).status).toBe(0);
    });

    it('fails with one line and a non-zero exit on bad input', () => {
      const garbage = join(tmp, 'garbage2.torrent');
      writeFileSync(garbage, 'd4:infod');
      const r = run('torrent', 'inspect', garbage);
      expect(r.status).toBe(10);
      expect(r.stderr.trim().split('\n')).toEqual([
        `keyseed: ${garbage}: invalid torrent: truncated: input ends while reading a dictionary at byte 8 (file is 8 bytes)`,
      ]);
      const bad = run(
        'torrent',
        'create',
        sets.get(16 * KiB)!.folder,
        '-o',
        join(tmp, 'x.torrent'),
        '--piece-length',
        '3000000',
      );
      expect(bad.status).not.toBe(0);
      expect(bad.stderr.trim()).toBe(
        'keyseed: piece length must be a power of two between 16 KiB and 16 MiB, got 3000000',
      );
    });
  });
});
