import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { once } from 'node:events';
import { combinePieceRanges } from '@keyseed/torrent';
import { emptyFileResult, IngestFileResult, pieceRootOf } from './ingest-file';
import { PieceRangeWork, skewedBuffer } from './ingest-thread';

/** Encrypt + hash step: 1 MiB, as on the positional path. */
const SPAN = 1024 * 1024;
/** Ciphertext buffered between the hashing loop and the writer. */
const OUTPUT_BUFFER = 4 * 1024 * 1024;

export interface IngestStreamInput {
  /** The plaintext upload, in order. */
  source: Readable;
  length: number;
  pieceLength: number;
  /** Locked items: the item's fresh content key; free items: null (bytes pass through). */
  contentKey: Buffer | null;
  /** Stores the ciphertext stream; must reject (and leave nothing) if the stream errors. */
  sink: (ciphertext: Readable) => Promise<unknown>;
  onProgress?: (fraction: number) => void;
}

/**
 * One pass over an upload read as a stream (object stores; docs/architecture.md, ingest): the same piece work as the
 * positional path, in order on the calling thread, with the ciphertext streamed to `sink` (an S3
 * multipart upload). Memory: one 1 MiB span, the output buffer and what the sink holds in flight.
 */
export async function ingestStream(input: IngestStreamInput): Promise<IngestFileResult> {
  const { length, pieceLength } = input;
  if (length === 0) {
    await input.sink(Readable.from([]));
    return emptyFileResult(pieceLength, input.contentKey !== null);
  }
  const pieceCount = Math.ceil(length / pieceLength);
  const work = new PieceRangeWork(pieceLength, 0, pieceCount, input.contentKey);
  const plaintext = createHash('sha256');
  const output = new PassThrough({ highWaterMark: OUTPUT_BUFFER });
  const stored = input.sink(output);
  stored.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
  const span = skewedBuffer(Math.min(pieceLength, SPAN));
  let filled = 0;
  let piece = 0;
  let at = 0; // offset of `span` within the current piece
  let done = 0;

  const flush = async () => {
    const bytes = span.subarray(0, filled);
    plaintext.update(bytes);
    if (at === 0) work.beginPiece(piece);
    work.update(bytes, at);
    done += filled;
    at += filled;
    filled = 0;
    const pieceSize = Math.min(pieceLength, length - piece * pieceLength);
    if (at === pieceSize) {
      work.endPiece(piece, pieceSize);
      piece++;
      at = 0;
    }
    if (!output.write(Buffer.from(bytes))) await Promise.race([once(output, 'drain'), stored]);
    input.onProgress?.(done / length);
  };

  try {
    for await (const chunk of input.source as AsyncIterable<Buffer>) {
      if (done + filled + chunk.length > length)
        throw new Error(`upload is longer than the item's ${length} bytes: the stored upload does not match`);
      for (let off = 0; off < chunk.length;) {
        const pieceLeft = Math.min(pieceLength, length - piece * pieceLength) - at;
        const n = Math.min(chunk.length - off, span.length - filled, pieceLeft - filled);
        chunk.copy(span, filled, off, off + n);
        filled += n;
        off += n;
        if (filled === span.length || filled === pieceLeft) await flush();
      }
    }
    if (filled > 0) await flush();
    if (done !== length)
      throw new Error(`upload ended at ${done} bytes, expected ${length}: the stored upload is shorter than the item`);
    output.end();
    await stored;
  } catch (err) {
    output.destroy(err as Error);
    input.source.destroy();
    await stored.catch(() => undefined);
    throw err;
  } finally {
    work.dispose();
  }
  const run = work.result();
  return {
    hashes: combinePieceRanges([run]),
    plaintextSha256: plaintext.digest('hex'),
    plaintextPieceRoot: pieceRootOf([run]),
  };
}
