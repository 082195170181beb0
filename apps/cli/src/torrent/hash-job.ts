import { closeSync, openSync, readSync } from 'node:fs';
import { PieceHasher, PieceRangeHashes } from '@keyseed/torrent';

/** A run of consecutive pieces to hash: the concatenation of `segments` (file byte ranges). */
export interface HashJob {
  id: number;
  pieceLength: number;
  firstPiece: number;
  v1: boolean;
  v2: boolean;
  /** `path: null` is a run of zeros (a BEP 47 pad file). */
  segments: { path: string | null; offset: number; length: number }[];
}

export interface HashJobResult {
  id: number;
  hashes: PieceRangeHashes;
  /** Files that ended before the bytes the job expected (hashed as zeros). */
  short: string[];
}

const READ_SIZE = 4 * 1024 * 1024;

/**
 * One reusable read buffer per thread, offset 64 bytes from its allocation: reads into page-aligned
 * buffers ran several times slower on Zen 3 (docs/architecture.md, buffers in the hot loops).
 */
export function allocReadBuffer(pieceLength: number): Buffer {
  const size = Math.max(READ_SIZE, pieceLength);
  return Buffer.allocUnsafeSlow(size + 64).subarray(64, 64 + size);
}

/** Hash one job with synchronous sequential reads into `buf`; `onBytes` reports progress. */
export function runHashJob(job: HashJob, buf: Buffer, onBytes?: (n: number) => void): HashJobResult {
  const hasher = new PieceHasher(job.pieceLength, { firstPiece: job.firstPiece, v1: job.v1, v2: job.v2 });
  const short: string[] = [];
  let filled = 0;
  for (const seg of job.segments) {
    let fd = -1;
    if (seg.path !== null) {
      try {
        fd = openSync(seg.path, 'r');
      } catch {
        short.push(seg.path);
      }
    }
    let pos = seg.offset;
    let left = seg.length;
    while (left > 0) {
      const want = Math.min(left, buf.length - filled);
      let got = 0;
      if (fd >= 0) {
        while (got < want) {
          const n = readSync(fd, buf, filled + got, want - got, pos + got);
          if (n === 0) break;
          got += n;
        }
      }
      if (got < want) {
        if (fd >= 0 && seg.path !== null && !short.includes(seg.path)) short.push(seg.path);
        buf.fill(0, filled + got, filled + want);
      }
      filled += want;
      pos += want;
      left -= want;
      if (filled === buf.length) {
        hasher.update(buf);
        onBytes?.(filled);
        filled = 0;
      }
    }
    if (fd >= 0) closeSync(fd);
  }
  if (filled > 0) {
    hasher.update(buf.subarray(0, filled));
    onBytes?.(filled);
  }
  return { id: job.id, hashes: hasher.digestRange(), short };
}
