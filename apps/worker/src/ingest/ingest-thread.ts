/**
 * The hot loop of ingest (docs/architecture.md, ingest), runnable on the calling thread or as a worker thread.
 *
 * Imports only Node built-ins and two leaf modules of the pure libs (piece keys, merkle), so the
 * thread starts fast: from `dist` it is the compiled `ingest-thread.js`; from TypeScript sources
 * (Jest) `thread-runner.ts` boots it through a small swc require hook (see `DEV_BOOTSTRAP`).
 */
import { createHash, hash, type Hash } from 'node:crypto';
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
/**
 * Reads into a page-aligned Buffer run several times slower: offset by 64 bytes (docs/architecture.md,
 * buffers in the hot loops).
 */
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

/**
 * A run's piece hashes plus, for locked items, the SHA-256 of each plaintext piece (32 bytes per
 * piece, in order): the parts of the item's plaintext piece root (docs/key-scheme.md); null for free items.
 */
export interface PieceRangeResult extends PieceRangeHashes {
  plaintextPieceSha256: Uint8Array | null;
}

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

/**
 * Encrypt + hash state of a run of consecutive pieces, fed in order, span by span (a span is at most
 * a piece and never crosses one): hashes locked plaintext per piece (SHA-256, for the plaintext piece
 * root), encrypts locked spans in place, then SHA-1s them (v1) and hashes their 16 KiB v2 leaves.
 * Shared by the positional (local disk) and the streaming (S3) paths.
 */
export class PieceRangeWork {
  private readonly blocksPerPiece: number;
  private readonly leaves: Buffer;
  readonly piecesV1: Buffer;
  readonly pieceHashesV2: Buffer;
  /** Locked items: SHA-256 of each plaintext piece of the run. */
  readonly plaintextPieceSha256: Buffer | null;
  lastPieceV1Unpadded: Buffer | null = null;
  bytes = 0;
  private keys: Buffer | null = null;
  private keysFirst = -1;
  private cipher: PieceCipher | null = null;
  private sha1 = createHash('sha1');
  private plaintextSha256: Hash | null = null;
  private uncollected = 0;

  constructor(
    private readonly pieceLength: number,
    private readonly firstPiece: number,
    private readonly pieceCount: number,
    private readonly contentKey: Uint8Array | null,
  ) {
    this.blocksPerPiece = pieceLength / BLOCK;
    this.leaves = Buffer.allocUnsafe(this.blocksPerPiece * 32);
    this.piecesV1 = Buffer.allocUnsafe(20 * pieceCount);
    this.pieceHashesV2 = Buffer.allocUnsafe(32 * pieceCount);
    this.plaintextPieceSha256 = contentKey ? Buffer.allocUnsafe(32 * pieceCount) : null;
  }

  /** Starts piece `index` (the next one of the run). */
  beginPiece(index: number): void {
    this.cipher = null;
    if (this.contentKey) {
      if (this.keys === null || index >= this.keysFirst + KEY_WINDOW) {
        this.keys?.fill(0);
        this.keysFirst = index;
        this.keys = derivePieceKeys(
          this.contentKey,
          index,
          Math.min(this.firstPiece + this.pieceCount, index + KEY_WINDOW) - 1,
        );
      }
      const k = (index - this.keysFirst) * PIECE_KEY_BYTES;
      this.cipher = new PieceCipher(this.keys.subarray(k, k + PIECE_KEY_BYTES));
      this.plaintextSha256 = createHash('sha256');
    }
    this.sha1 = createHash('sha1');
  }

  /** Encrypts (locked) `span` in place and hashes it; `at` is its offset within the piece. */
  update(span: Buffer, at: number): void {
    const n = span.length;
    for (let c = 0; c < n; c += CHUNK) {
      const chunk = span.subarray(c, Math.min(c + CHUNK, n));
      this.plaintextSha256?.update(chunk);
      this.cipher?.update(chunk);
      this.sha1.update(chunk);
      hash('sha256', chunk, 'buffer').copy(this.leaves, ((at + c) / BLOCK) * 32);
    }
    this.uncollected += n;
    if (this.uncollected >= GC_EVERY_BYTES) {
      collectGarbage();
      this.uncollected = 0;
    }
  }

  /** Ends piece `index` of `size` bytes (less than the piece length only for the item's last piece). */
  endPiece(index: number, size: number): void {
    const pl = this.pieceLength;
    const i = index - this.firstPiece;
    if (this.plaintextPieceSha256 && this.plaintextSha256)
      this.plaintextSha256.digest().copy(this.plaintextPieceSha256, i * 32);
    if (size < pl) {
      // The item's last piece: v1 hashes it padded with zeros (BEP 47 pad file follows every file).
      this.lastPieceV1Unpadded = this.sha1.copy().digest();
      for (let left = pl - size; left > 0; left -= ZEROS.length)
        this.sha1.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
    }
    this.sha1.digest().copy(this.piecesV1, i * 20);
    const blocks = Math.ceil(size / BLOCK);
    // A file of a single partial piece has a tree of only nextPow2(blocks) leaves (its pieces root).
    const width = size < pl && index === 0 ? nextPowerOfTwo(blocks) : this.blocksPerPiece;
    merkleRoot(this.leaves, blocks, width).copy(this.pieceHashesV2, i * 32);
    this.bytes += size;
  }

  result(): PieceRangeResult {
    return {
      pieceLength: this.pieceLength,
      firstPiece: this.firstPiece,
      bytes: this.bytes,
      piecesV1: this.piecesV1,
      lastPieceV1Unpadded: this.lastPieceV1Unpadded,
      pieceHashesV2: this.pieceHashesV2,
      plaintextPieceSha256: this.plaintextPieceSha256,
    };
  }

  /** Wipes the derived piece keys. */
  dispose(): void {
    this.keys?.fill(0);
  }
}

/** Encrypts (locked) and hashes a run of pieces; returns their v1/v2 hashes for `combinePieceRanges`. */
export function ingestPieceRange(
  task: PieceRangeTask,
  onProgress: (bytes: number) => void = () => {},
): PieceRangeResult {
  const { pieceLength: pl, fileLength, firstPiece, pieceCount } = task;
  const span = skewedBuffer(Math.min(pl, SPAN));
  const work = new PieceRangeWork(pl, firstPiece, pieceCount, task.contentKey);
  let unreported = 0;
  const input = openSync(task.uploadPath, 'r');
  const output = openSync(task.stagingPath, 'r+');
  try {
    for (let i = 0; i < pieceCount; i++) {
      const index = firstPiece + i;
      const offset = index * pl;
      const size = Math.min(pl, fileLength - offset);
      work.beginPiece(index);
      for (let at = 0; at < size; at += SPAN) {
        const n = Math.min(SPAN, size - at);
        readFully(input, span, n, offset + at, task.uploadPath);
        work.update(span.subarray(0, n), at);
        writeFully(output, span, n, offset + at);
      }
      work.endPiece(index, size);
      unreported += size;
      if (unreported >= PROGRESS_EVERY_BYTES) {
        onProgress(unreported);
        unreported = 0;
      }
    }
  } finally {
    work.dispose();
    closeSync(input);
    closeSync(output);
  }
  if (unreported > 0) onProgress(unreported);
  return work.result();
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

export function runThreadTask(task: ThreadTask, onProgress: (bytes: number) => void): PieceRangeResult | string {
  return task.kind === 'pieces' ? ingestPieceRange(task, onProgress) : hashPlaintext(task, onProgress);
}

/** Messages from a thread to thread-runner.ts. */
export type ThreadMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; result: PieceRangeResult | string }
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
