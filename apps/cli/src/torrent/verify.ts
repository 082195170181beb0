import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParsedTorrent } from '@keyseed/torrent';
import { HashJob } from './hash-job';
import { HashPoolOptions, runHashJobs } from './hash-pool';
import { loadTorrent } from './inspect';
import { ProgressBar } from './progress';

export interface BadPiece {
  /** `v1`: a piece of the v1 stream; `v2`: a piece of one file's merkle tree. */
  version: 'v1' | 'v2';
  /** v1: the torrent's piece index; v2: the piece index within `file`. */
  piece: number;
  /** The file the piece belongs to (a v1 piece that spans files names them all). */
  file: string;
  /** For v1 pieces: the piece index within that file (when the file starts on a piece boundary). */
  pieceInFile?: number;
}

export interface VerifyResult {
  torrent: ParsedTorrent;
  piecesChecked: { v1: number; v2: number };
  bad: BadPiece[];
  /** Files that are missing or shorter than the torrent says. */
  missing: string[];
}

/**
 * `keyseed torrent verify`: hash the data at `path` against every v1 piece hash and every v2
 * piece-layer hash. `path` is the file itself for a single-file torrent, else the folder that
 * holds the torrent's files (its `name` directory) or the parent folder that contains it.
 */
export async function verifyTorrentCommand(
  torrentFile: string,
  path: string,
  options: HashPoolOptions & { progress?: boolean } = {},
): Promise<VerifyResult> {
  const t = loadTorrent(torrentFile);
  const base = resolve(path);
  const isDir = statSync(base, { throwIfNoEntry: false })?.isDirectory() === true;
  const exists = (p: string): boolean => statSync(p, { throwIfNoEntry: false }) !== undefined;
  const firstFile = t.files.find((f) => !f.pad)!;
  // Accept either the content folder itself or the folder that contains it (like clients' save path).
  const dir = isDir && !exists(join(base, ...firstFile.path)) && exists(join(base, t.name)) ? join(base, t.name) : base;
  const locate = (segments: string[]): string =>
    t.singleFile ? (isDir ? join(base, t.name) : base) : join(dir, ...segments);

  const pl = t.pieceLength;
  const jobs: HashJob[] = [];
  const jobInfo: ({ kind: 'file'; fileIndex: number } | { kind: 'stream' })[] = [];
  const realFiles = t.files.map((f, i) => ({ f, i })).filter(({ f }) => !f.pad);
  // A file starts on a piece boundary in hybrid torrents (BEP 47 pads): one pass per file checks
  // its v1 and v2 hashes together. Classic v1 torrents need a pass over the concatenation.
  const aligned = t.version !== 'v1' && realFiles.every(({ f }) => f.offset < 0 || f.offset % pl === 0);
  const v1 = t.piecesV1 !== null;
  if (aligned) {
    for (const { f, i } of realFiles) {
      if (f.length === 0) continue;
      jobInfo[jobs.length] = { kind: 'file', fileIndex: i };
      jobs.push({
        id: jobs.length,
        pieceLength: pl,
        firstPiece: 0,
        v1,
        v2: true,
        segments: [{ path: locate(f.path), offset: 0, length: f.length }],
      });
    }
  } else {
    // v1 stream: every file back to back, pad files (if any) as zeros.
    const segments = t.files
      .filter((f) => f.length > 0)
      .map((f) => ({ path: f.pad ? null : locate(f.path), offset: 0, length: f.length }));
    jobInfo[0] = { kind: 'stream' };
    jobs.push({ id: 0, pieceLength: pl, firstPiece: 0, v1: true, v2: false, segments });
  }
  const total = jobs.reduce((s, j) => s + j.segments.reduce((a, g) => a + g.length, 0), 0);
  const bar = new ProgressBar('verifying', total);
  let results;
  try {
    results = await runHashJobs(jobs, {
      ...options,
      onProgress: options.progress === false ? options.onProgress : bar.tick,
    });
  } finally {
    bar.finish();
  }
  const bad: BadPiece[] = [];
  const missing = new Set<string>();
  let v1Checked = 0;
  let v2Checked = 0;
  const expectedV1 = t.piecesV1;
  for (const r of results) {
    r.short.forEach((s) => missing.add(s));
    const info = jobInfo[r.id];
    const piecesV1 = Buffer.from(r.hashes.piecesV1.buffer, r.hashes.piecesV1.byteOffset, r.hashes.piecesV1.byteLength);
    const layerV2 = Buffer.from(
      r.hashes.pieceHashesV2.buffer,
      r.hashes.pieceHashesV2.byteOffset,
      r.hashes.pieceHashesV2.byteLength,
    );
    if (info.kind === 'stream') {
      const n = piecesV1.length / 20;
      const last = r.hashes.lastPieceV1Unpadded;
      for (let p = 0; p < n; p++) {
        const got = p === n - 1 && last ? Buffer.from(last) : piecesV1.subarray(p * 20, p * 20 + 20);
        v1Checked++;
        if (!got.equals(expectedV1!.subarray(p * 20, p * 20 + 20)))
          bad.push({ version: 'v1', piece: p, file: filesOfStreamPiece(t, p).join(', ') });
      }
      continue;
    }
    const f = t.files[info.fileIndex];
    const name = f.path.join('/');
    const pieces = Math.ceil(f.length / pl);
    if (v1 && expectedV1) {
      const first = f.offset / pl;
      const isLastOfStream = first + pieces === expectedV1.length / 20;
      const unpadded = t.singleFile && r.hashes.lastPieceV1Unpadded && isLastOfStream;
      for (let p = 0; p < pieces; p++) {
        const got =
          p === pieces - 1 && unpadded
            ? Buffer.from(r.hashes.lastPieceV1Unpadded!)
            : piecesV1.subarray(p * 20, p * 20 + 20);
        v1Checked++;
        if (!got.equals(expectedV1.subarray((first + p) * 20, (first + p + 1) * 20)))
          bad.push({ version: 'v1', piece: first + p, file: name, pieceInFile: p });
      }
    }
    if (pieces === 1) {
      v2Checked++;
      if (!f.piecesRoot || !layerV2.subarray(0, 32).equals(f.piecesRoot))
        bad.push({ version: 'v2', piece: 0, file: name });
    } else {
      const layer = t.pieceLayers.get(f.piecesRoot!.toString('hex'))!;
      for (let p = 0; p < pieces; p++) {
        v2Checked++;
        if (!layerV2.subarray(p * 32, p * 32 + 32).equals(layer.subarray(p * 32, p * 32 + 32)))
          bad.push({ version: 'v2', piece: p, file: name });
      }
    }
  }
  bad.sort((a, b) =>
    a.version === b.version ? a.file.localeCompare(b.file) || a.piece - b.piece : a.version < b.version ? -1 : 1,
  );
  return { torrent: t, piecesChecked: { v1: v1Checked, v2: v2Checked }, bad, missing: [...missing] };
}

function filesOfStreamPiece(t: ParsedTorrent, piece: number): string[] {
  const start = piece * t.pieceLength;
  const end = start + t.pieceLength;
  return t.files
    .filter((f) => !f.pad && f.length > 0 && f.offset < end && f.offset + f.length > start)
    .map((f) => f.path.join('/'));
}
