import { createHash } from 'node:crypto';
import { FileHandle, open } from 'node:fs/promises';
import { plaintextPieceRoot } from '@keyseed/crypto/piece-root';
import { combinePieceRanges, emptyFileHashes, FileHashes, splitPieceRanges } from '@keyseed/torrent';
import { hashPlaintext, ingestPieceRange, PieceRangeResult } from './ingest-thread';
import { hashPlaintextAsync } from './plaintext-sha256';
import { RunningThread, runInThread } from './thread-runner';

/** Below this size an item is processed on the calling thread: starting threads would cost more. */
export const INLINE_BELOW_BYTES = 16 * 1024 * 1024;

export interface IngestFileInput {
  uploadPath: string;
  stagingPath: string;
  length: number;
  pieceLength: number;
  /** Locked items: the item's fresh content key; free items: null (bytes pass through). */
  contentKey: Buffer | null;
  /** Worker threads over piece ranges (the plaintext SHA-256 runs on the calling thread). */
  threads: number;
  /** Fraction done 0..1, called often; throttle on the receiving side. */
  onProgress?: (fraction: number) => void;
}

export interface IngestFileResult {
  hashes: FileHashes;
  plaintextSha256: string;
  /** Locked items: the plaintext piece root (docs/key-scheme.md); free items: null. */
  plaintextPieceRoot: string | null;
}

/**
 * One pass over an uploaded file (docs/architecture.md, ingest): ciphertext (or the plain bytes) written to the
 * pre-sized staging file at the same offsets, v1 + v2 piece hashes of what was written, and the
 * SHA-256 of the plaintext (and, locked, its piece root from the piece threads). Large files are split into piece ranges across `threads` worker threads
 * doing positional reads and writes, while the calling thread streams the plaintext SHA-256 (the
 * only part that cannot be split) with reads on the libuv pool; the OS spreads these over the cores.
 * Memory: a 1 MiB buffer per thread plus 2 MiB for the plaintext hash. The staging file is not
 * fsynced here.
 */
export async function ingestFile(input: IngestFileInput): Promise<IngestFileResult> {
  const { length, pieceLength } = input;
  const staging = await open(input.stagingPath, 'w');
  try {
    await staging.truncate(length);
  } finally {
    await staging.close();
  }
  if (length === 0) return emptyFileResult(pieceLength, input.contentKey !== null);

  let done = 0;
  const flusher = new BackgroundFlush(input.stagingPath, length);
  const progress = (bytes: number) => {
    done += bytes;
    flusher.maybeFlush(done / 2);
    input.onProgress?.(Math.min(1, done / (2 * length)));
  };
  const ranges = splitPieceRanges(length, pieceLength, length < INLINE_BELOW_BYTES ? 1 : Math.max(1, input.threads));
  const pieceTask = (r: (typeof ranges)[number]) => ({
    kind: 'pieces' as const,
    uploadPath: input.uploadPath,
    stagingPath: input.stagingPath,
    fileLength: length,
    pieceLength,
    firstPiece: r.firstPiece,
    pieceCount: r.pieceCount,
    contentKey: input.contentKey,
  });

  if (length < INLINE_BELOW_BYTES) {
    const range = ingestPieceRange(pieceTask(ranges[0]), progress);
    const plaintextSha256 = hashPlaintext(
      { kind: 'plaintext', uploadPath: input.uploadPath, fileLength: length },
      progress,
    );
    return { hashes: combinePieceRanges([range]), plaintextSha256, plaintextPieceRoot: pieceRootOf([range]) };
  }

  const threads: RunningThread<PieceRangeResult>[] = [];
  const plaintext = { stopped: false };
  let plaintextDone: Promise<unknown> = Promise.resolve();
  try {
    threads.push(...ranges.map((r) => runInThread<PieceRangeResult>(pieceTask(r), progress)));
    const plaintextSha256 = hashPlaintextAsync(input.uploadPath, length, progress, plaintext);
    plaintextDone = plaintextSha256.catch(() => undefined);
    const [sha256, ...results] = await Promise.all([plaintextSha256, ...threads.map((t) => t.result)]);
    return { hashes: combinePieceRanges(results), plaintextSha256: sha256, plaintextPieceRoot: pieceRootOf(results) };
  } finally {
    // On failure the others may still run: stop them before the caller removes the staging file.
    plaintext.stopped = true;
    await Promise.all([...threads.map((t) => t.terminate()), plaintextDone]);
    await flusher.close();
  }
}

/** The plaintext piece root from the runs' piece digests (runs in piece order); null for a free item. */
export function pieceRootOf(runs: readonly PieceRangeResult[]): string | null {
  if (runs.some((r) => r.plaintextPieceSha256 === null)) return null;
  return plaintextPieceRoot(Buffer.concat(runs.map((r) => r.plaintextPieceSha256 as Uint8Array)));
}

/** The hashes of an empty item (no pieces). */
export function emptyFileResult(pieceLength: number, locked: boolean): IngestFileResult {
  return {
    hashes: emptyFileHashes(pieceLength),
    plaintextSha256: createHash('sha256').digest('hex'),
    plaintextPieceRoot: locked ? plaintextPieceRoot(new Uint8Array(0)) : null,
  };
}

/** Start write-back every this many bytes written, so the final fsync has little left to do. */
const FLUSH_EVERY_BYTES = 256 * 1024 * 1024;

/**
 * Durable ciphertext costs disk bandwidth; left to the kernel, write-back of a file smaller than the
 * dirty threshold starts only at the final fsync, after all the CPU work. Issuing `fdatasync` on the
 * libuv pool every 256 MiB (never two at once) overlaps the disk with the hashing threads.
 */
class BackgroundFlush {
  private handle: Promise<FileHandle> | null = null;
  private inFlight: Promise<void> | null = null;
  private lastAt = 0;

  constructor(
    private readonly path: string,
    private readonly length: number,
  ) {}

  maybeFlush(written: number): void {
    if (this.length < 2 * FLUSH_EVERY_BYTES || this.inFlight || written - this.lastAt < FLUSH_EVERY_BYTES) return;
    this.lastAt = written;
    this.handle ??= open(this.path, 'r+');
    this.inFlight = this.handle
      .then((fh) => fh.datasync())
      .catch(() => undefined) // best effort: the caller's final fsync is what counts
      .finally(() => {
        this.inFlight = null;
      });
  }

  async close(): Promise<void> {
    await this.inFlight;
    if (this.handle) await (await this.handle).close().catch(() => undefined);
  }
}
