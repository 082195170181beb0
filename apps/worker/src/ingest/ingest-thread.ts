/**
 * The hot loop of ingest (docs/architecture.md, ingest), runnable on the calling thread or as a worker thread.
 *
 * Imports only Node built-ins and two leaf modules of the pure libs (piece keys, merkle), so the
 * thread starts fast: from `dist` it is the compiled `ingest-thread.js`; from TypeScript sources
 * (Jest) `thread-runner.ts` boots it through a small swc require hook (see `DEV_BOOTSTRAP`).
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PieceCipher } from '@keyseed/crypto/piece-cipher';
import { derivePieceKeys, PIECE_KEY_BYTES } from '@keyseed/crypto/piece-key';
import { merkleRoot, nextPowerOfTwo } from '@keyseed/torrent/merkle';
import type { PieceRangeHashes } from '@keyseed/torrent/piece-hasher';

const BLOCK = 16 * 1024;
/**
 * Encrypt + hash granularity: one 16 KiB v2 leaf at a time, so the block stays in L1 from the cipher
 * through SHA-1 to its leaf hash. Measured here (BENCHMARKS ## ingest): 16 KiB costs the same CPU as
 * 64 KiB for the whole loop, and `cipher.update` outputs of 64 KiB and more made glibc trim and
 * re-fault its heap between GCs (0.3–0.6 s of system time per GiB); 16 KiB outputs are reused.
 */
const CHUNK = BLOCK;
/** PERF-NOTES trap: reads into a page-aligned Buffer run several times slower; offset by 64 bytes. */
const ALIGN_SKEW = 64;
/** Piece keys are derived in windows so memory stays constant whatever the piece count. */
const KEY_WINDOW = 1024;
const PLAINTEXT_READ = 4 * 1024 * 1024;
const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Read, encrypt, hash and write step within a piece: a thread holds 1 MiB, not a whole piece (pieces
 * go up to 16 MiB). Reads and writes stay large enough that their syscalls cost nothing measurable.
 */
const SPAN = 1024 * 1024;
/**
 * Every `cipher.update` output is a fresh 16 KiB buffer outside the V8 heap that only a GC frees, and
 * the loop allocates so little on the heap that even the smallest young generation is scavenged only
 * every ~1000 chunks: ~16 MiB of dead outputs per thread, which then stay resident in the thread's
 * malloc arena. A minor GC every 4 MiB bounds them to that (measured: −24 MiB of RSS for two threads,
 * same CPU). `gc` exists where the process runs with `--expose-gc` (the worker process, see
 * `WORKER_NODE_ARGS`); elsewhere this does nothing.
 */
const GC_EVERY_BYTES = 4 * 1024 * 1024;

function collectGarbage(): void {
  globalThis.gc?.({ type: 'minor' });
}

/** One run of consecutive pieces of one item: read plaintext, encrypt, hash, write at the same offset. */
export interface PieceRangeTask {
  kind: 'pieces';
  uploadPath: string;
  /** Pre-sized staging file; written positionally. */
  stagingPath: string;
  fileLength: number;
  pieceLength: number;
  firstPiece: number;
  pieceCount: number;
  /** The item's content key (locked items); null passes the bytes through (free items). */
  contentKey: Uint8Array | null;
}

/** SHA-256 of the whole plaintext, in order (cannot be split across threads; see plaintext-sha256.ts). */
export interface PlaintextTask {
  kind: 'plaintext';
  uploadPath: string;
  fileLength: number;
}

export type ThreadTask = PieceRangeTask | PlaintextTask;

/** Buffer of `size` bytes that does not start on a page boundary. */
export function skewedBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + 2 * ALIGN_SKEW).subarray(ALIGN_SKEW, ALIGN_SKEW + size);
}

function readFully(fd: number, buf: Buffer, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0)
      throw new Error(
        `upload ${path} ended at ${position + done} bytes, expected ${position + length}: the stored upload is shorter than the item's size`,
      );
    done += n;
  }
}

function writeFully(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, buf, done, length - done, position + done);
}

/** Encrypts (locked) and hashes a run of pieces; returns their v1/v2 hashes for `combinePieceRanges`. */
export function ingestPieceRange(
  task: PieceRangeTask,
  onProgress: (bytes: number) => void = () => {},
): PieceRangeHashes {
  const { pieceLength: pl, fileLength, firstPiece, pieceCount } = task;
  const blocksPerPiece = pl / BLOCK;
  const span = skewedBuffer(Math.min(pl, SPAN));
  const leaves = Buffer.allocUnsafe(blocksPerPiece * 32);
  const v1 = Buffer.allocUnsafe(20 * pieceCount);
  const v2 = Buffer.allocUnsafe(32 * pieceCount);
  let lastUnpadded: Buffer | null = null;
  let keys: Buffer | null = null;
  let keysFirst = -1;
  let bytes = 0;
  let unreported = 0;
  let uncollected = 0;
  const input = openSync(task.uploadPath, 'r');
  const output = openSync(task.stagingPath, 'r+');
  try {
    for (let i = 0; i < pieceCount; i++) {
      const index = firstPiece + i;
      const offset = index * pl;
      const size = Math.min(pl, fileLength - offset);
      let cipher: PieceCipher | null = null;
      if (task.contentKey) {
        if (keys === null || index >= keysFirst + KEY_WINDOW) {
          keys?.fill(0);
          keysFirst = index;
          keys = derivePieceKeys(task.contentKey, index, Math.min(firstPiece + pieceCount, index + KEY_WINDOW) - 1);
        }
        const k = (index - keysFirst) * PIECE_KEY_BYTES;
        cipher = new PieceCipher(keys.subarray(k, k + PIECE_KEY_BYTES));
      }
      const sha1 = createHash('sha1');
      for (let at = 0; at < size; at += SPAN) {
        const n = Math.min(SPAN, size - at);
        readFully(input, span, n, offset + at, task.uploadPath);
        for (let c = 0; c < n; c += CHUNK) {
          const chunk = span.subarray(c, Math.min(c + CHUNK, n));
          cipher?.update(chunk);
          sha1.update(chunk);
          hash('sha256', chunk, 'buffer').copy(leaves, ((at + c) / BLOCK) * 32);
        }
        writeFully(output, span, n, offset + at);
        uncollected += n;
        if (uncollected >= GC_EVERY_BYTES) {
          collectGarbage();
          uncollected = 0;
        }
      }
      if (size < pl) {
        // The item's last piece: v1 hashes it padded with zeros (BEP 47 pad file follows every file).
        lastUnpadded = sha1.copy().digest();
        for (let left = pl - size; left > 0; left -= ZEROS.length)
          sha1.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
      }
      sha1.digest().copy(v1, i * 20);
      const blocks = Math.ceil(size / BLOCK);
      // A file of a single partial piece has a tree of only nextPow2(blocks) leaves (its pieces root).
      const width = size < pl && index === 0 ? nextPowerOfTwo(blocks) : blocksPerPiece;
      merkleRoot(leaves, blocks, width).copy(v2, i * 32);

      bytes += size;
      unreported += size;
      if (unreported >= PROGRESS_EVERY_BYTES) {
        onProgress(unreported);
        unreported = 0;
      }
    }
  } finally {
    keys?.fill(0);
    closeSync(input);
    closeSync(output);
  }
  if (unreported > 0) onProgress(unreported);
  return { pieceLength: pl, firstPiece, bytes, piecesV1: v1, lastPieceV1Unpadded: lastUnpadded, pieceHashesV2: v2 };
}

/** Hex SHA-256 of the whole upload, read sequentially in 4 MiB steps. */
export function hashPlaintext(task: PlaintextTask, onProgress: (bytes: number) => void = () => {}): string {
  const h = createHash('sha256');
  const buf = skewedBuffer(PLAINTEXT_READ);
  const fd = openSync(task.uploadPath, 'r');
  let unreported = 0;
  try {
    for (let pos = 0; pos < task.fileLength; pos += PLAINTEXT_READ) {
      const n = Math.min(PLAINTEXT_READ, task.fileLength - pos);
      readFully(fd, buf, n, pos, task.uploadPath);
      h.update(buf.subarray(0, n));
      unreported += n;
      if (unreported >= PROGRESS_EVERY_BYTES) {
        onProgress(unreported);
        unreported = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (unreported > 0) onProgress(unreported);
  return h.digest('hex');
}

export function runThreadTask(task: ThreadTask, onProgress: (bytes: number) => void): PieceRangeHashes | string {
  return task.kind === 'pieces' ? ingestPieceRange(task, onProgress) : hashPlaintext(task, onProgress);
}

/** Messages from a thread to thread-runner.ts. */
export type ThreadMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; result: PieceRangeHashes | string }
  | { type: 'error'; message: string };

if (!isMainThread && parentPort && (workerData as { ingestTask?: ThreadTask } | null)?.ingestTask) {
  const port = parentPort;
  const task = (workerData as { ingestTask: ThreadTask }).ingestTask;
  try {
    const result = runThreadTask(task, (bytes) =>
      port.postMessage({ type: 'progress', bytes } satisfies ThreadMessage),
    );
    port.postMessage({ type: 'done', result } satisfies ThreadMessage);
  } catch (err) {
    port.postMessage({ type: 'error', message: (err as Error).message } satisfies ThreadMessage);
  }
}
