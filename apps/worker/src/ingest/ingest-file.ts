import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { combinePieceRanges, FileHashes, PieceRangeHashes, splitPieceRanges } from '@keyseed/torrent';
import { hashPlaintext, ingestPieceRange } from './ingest-thread';
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
  /** Worker threads over piece ranges (the plaintext SHA-256 gets one more thread of its own). */
  threads: number;
  /** Fraction done 0..1, called often; throttle on the receiving side. */
  onProgress?: (fraction: number) => void;
}

export interface IngestFileResult {
  hashes: FileHashes;
  plaintextSha256: string;
}

/**
 * One pass over an uploaded file (DESIGN §5): ciphertext (or the plain bytes) written to the
 * pre-sized staging file at the same offsets, v1 + v2 piece hashes of what was written, and the
 * SHA-256 of the plaintext. Large files are split into piece ranges across `threads` worker threads
 * doing positional reads and writes, while one more thread streams the plaintext SHA-256 (the only
 * part that cannot be split); the OS spreads these over the cores. Memory: one piece buffer per
 * thread plus 4 MiB for the plaintext hash. The staging file is not fsynced here.
 */
export async function ingestFile(input: IngestFileInput): Promise<IngestFileResult> {
  const { length, pieceLength } = input;
  const staging = await open(input.stagingPath, 'w');
  try {
    await staging.truncate(length);
  } finally {
    await staging.close();
  }
  if (length === 0) {
    return {
      hashes: { pieceLength, length: 0, piecesV1: Buffer.alloc(0), lastPieceV1Unpadded: null, piecesRoot: null, pieceLayer: null },
      plaintextSha256: createHash('sha256').digest('hex'),
    };
  }

  let done = 0;
  const progress = (bytes: number) => {
    done += bytes;
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
  const plaintextTask = { kind: 'plaintext' as const, uploadPath: input.uploadPath, fileLength: length };

  if (length < INLINE_BELOW_BYTES) {
    const range = ingestPieceRange(pieceTask(ranges[0]), progress);
    const plaintextSha256 = hashPlaintext(plaintextTask, progress);
    return { hashes: combinePieceRanges([range]), plaintextSha256 };
  }

  const threads: RunningThread<unknown>[] = [];
  try {
    const pieceThreads = ranges.map((r) => runInThread<PieceRangeHashes>(pieceTask(r), progress));
    const plaintextThread = runInThread<string>(plaintextTask, progress);
    threads.push(...pieceThreads, plaintextThread);
    const [plaintextSha256, ...results] = await Promise.all([plaintextThread.result, ...pieceThreads.map((t) => t.result)]);
    return { hashes: combinePieceRanges(results), plaintextSha256 };
  } finally {
    // On failure the others may still run: stop them before the caller removes the staging file.
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
