import { combinePieceRanges, emptyFileHashes, FileHashes, PieceRangeHashes } from '@keyseed/torrent';
import { HashJob } from './hash-job';
import { HashPoolOptions, runHashJobs } from './hash-pool';

export interface DiskFile {
  /** Absolute path on disk. */
  path: string;
  length: number;
}

/** Bytes per job: small enough to balance two threads and report progress, big enough to not matter. */
const JOB_BYTES = 64 * 1024 * 1024;

function piecesPerJob(pieceLength: number): number {
  return Math.max(1, Math.floor(JOB_BYTES / pieceLength));
}

export interface HashFilesOptions extends HashPoolOptions {
  v1?: boolean;
  v2?: boolean;
}

/** Per-file hashes (hybrid / v2 layout: every file starts on a piece boundary), hashed in parallel. */
export async function hashFiles(
  files: readonly DiskFile[],
  pieceLength: number,
  options: HashFilesOptions = {},
): Promise<{ hashes: FileHashes[]; short: string[] }> {
  const jobs: HashJob[] = [];
  const owner: number[] = [];
  const step = piecesPerJob(pieceLength);
  files.forEach((f, fileIndex) => {
    const pieces = Math.ceil(f.length / pieceLength);
    for (let first = 0; first < pieces; first += step) {
      const offset = first * pieceLength;
      const length = Math.min(f.length, (first + step) * pieceLength) - offset;
      owner[jobs.length] = fileIndex;
      jobs.push({
        id: jobs.length,
        pieceLength,
        firstPiece: first,
        v1: options.v1 ?? true,
        v2: options.v2 ?? true,
        segments: [{ path: f.path, offset, length }],
      });
    }
  });
  const results = await runHashJobs(jobs, options);
  const perFile: PieceRangeHashes[][] = files.map(() => []);
  const short = new Set<string>();
  for (const r of results) {
    perFile[owner[r.id]].push(r.hashes);
    r.short.forEach((s) => short.add(s));
  }
  const hashes = files.map((f, i) => (f.length === 0 ? emptyFileHashes(pieceLength) : combinePieceRanges(perFile[i])));
  return { hashes, short: [...short] };
}

/**
 * Classic v1 hashing over the files' concatenation (no pad files; pieces span file boundaries).
 * Returns the SHA-1 of every piece, the last one unpadded.
 */
export async function hashV1Stream(
  files: readonly DiskFile[],
  pieceLength: number,
  options: HashPoolOptions = {},
): Promise<{ pieces: Buffer; short: string[] }> {
  const total = files.reduce((s, f) => s + f.length, 0);
  const pieces = Math.ceil(total / pieceLength);
  const step = piecesPerJob(pieceLength);
  const jobs: HashJob[] = [];
  let fileIndex = 0;
  let fileStart = 0; // stream offset of files[fileIndex]
  for (let first = 0; first < pieces; first += step) {
    const start = first * pieceLength;
    const end = Math.min(total, (first + step) * pieceLength);
    const segments: HashJob['segments'] = [];
    let pos = start;
    while (pos < end) {
      while (fileStart + files[fileIndex].length <= pos) fileStart += files[fileIndex++].length;
      const f = files[fileIndex];
      const take = Math.min(end, fileStart + f.length) - pos;
      segments.push({ path: f.path, offset: pos - fileStart, length: take });
      pos += take;
    }
    jobs.push({ id: jobs.length, pieceLength, firstPiece: first, v1: true, v2: false, segments });
  }
  const results = (await runHashJobs(jobs, options)).sort((a, b) => a.id - b.id);
  const out = Buffer.concat(
    results.map((r) =>
      Buffer.from(r.hashes.piecesV1.buffer, r.hashes.piecesV1.byteOffset, r.hashes.piecesV1.byteLength),
    ),
  );
  const last = results[results.length - 1]?.hashes.lastPieceV1Unpadded;
  if (last) Buffer.from(last.buffer, last.byteOffset, last.byteLength).copy(out, out.length - 20);
  return { pieces: out, short: [...new Set(results.flatMap((r) => r.short))] };
}
