import { UnlockError } from './errors';
import type { PieceReader, Span } from './piece-reader';
import { inThreadHash, type PlaintextHash } from './plaintext-hash';

/** Bytes fetched per request when reading a whole file (whole pieces, at least one). */
export const SPAN_BYTES = 4 * 1024 * 1024;
/** Spans fetched, verified and decrypted ahead of the one being handed out. */
export const SPANS_AHEAD = 2;

/**
 * The whole plaintext of a locked file, piece by piece in order, each verified against the torrent
 * before decryption (PieceReader, v1 SHA-1 first: see verifyPiece), the whole checked against
 * `expectedSha256` (hex, from the key delivery) before the last piece is handed out: a consumer that
 * commits only when this generator finishes never commits a wrong file.
 *
 * A pipeline with bounded memory (docs/web-app.md): up to `SPANS_AHEAD + 1` spans of ~4 MiB are
 * being fetched (each into a reused buffer), verified and decrypted while the consumer hashes and
 * writes the pieces of the oldest. Stopping early (an error, a cancelled download) aborts the
 * requests in flight. The SHA-256 runs in `makeHash`'s hash (plaintext-hash.ts): in a worker for pages.
 */
export async function* verifiedPlaintext(
  reader: PieceReader,
  expectedSha256: string | null,
  onProgress: (bytes: number, total: number) => void = () => undefined,
  makeHash: () => Promise<PlaintextHash> = inThreadHash,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = expectedSha256 ? await makeHash() : null;
  const perSpan = Math.max(1, Math.floor(SPAN_BYTES / reader.pieceLength));
  const spanBytes = perSpan * reader.pieceLength;
  const stop = new AbortController();
  const free: ArrayBuffer[] = [];
  const spans: Promise<Span>[] = [];
  let next = 0;
  const fill = () => {
    while (spans.length <= SPANS_AHEAD && next < reader.pieceCount) {
      const into = new Uint8Array(free.pop() ?? new ArrayBuffer(Math.min(spanBytes, reader.size)));
      const loading = reader.span(next, perSpan, { into, signal: stop.signal, prefer: 'v1' });
      loading.catch(() => undefined); // surfaces when its turn comes
      spans.push(loading);
      next += perSpan;
    }
  };
  let done = 0;
  let index = 0;
  try {
    fill();
    while (spans.length > 0) {
      const { pieces, buffer } = await spans.shift()!;
      if (buffer.byteLength >= Math.min(spanBytes, reader.size)) free.push(buffer);
      fill();
      for (const piece of pieces) {
        await hash?.update(piece);
        done += piece.length;
        if (index++ === reader.pieceCount - 1 && hash && expectedSha256) {
          const got = await hash.digestHex();
          if (got !== expectedSha256.toLowerCase())
            throw new UnlockError(
              'PLAINTEXT_MISMATCH',
              `${reader.file.path}: the decrypted file's SHA-256 is ${got}, the key delivery says ${expectedSha256}; every piece matched the torrent, so the keys do not fit this copy. Nothing was kept`,
              { path: reader.file.path },
            );
        }
        yield piece;
        onProgress(done, reader.size);
      }
    }
  } finally {
    stop.abort();
    spans.length = 0;
    hash?.close();
  }
}

/** Bytes gathered into one write: one round trip to the browser per ~4 MiB, whatever the piece length. */
export const WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Writes every piece with `write`, gathered into Blobs of about WRITE_BYTES (a Blob of the pieces,
 * no concatenation in script), the next pieces checked and hashed while one write is in flight.
 * Rejects with the first failure, after the write in flight settled.
 */
export async function writeAll(pieces: AsyncIterable<Uint8Array>, write: (data: Blob) => Promise<void>): Promise<void> {
  let writing: Promise<void> = Promise.resolve();
  let batch: Uint8Array<ArrayBuffer>[] = [];
  let batchBytes = 0;
  const flush = async () => {
    const blob = new Blob(batch);
    batch = [];
    batchBytes = 0;
    await writing;
    writing = write(blob);
  };
  try {
    for await (const piece of pieces) {
      batch.push(piece as Uint8Array<ArrayBuffer>);
      batchBytes += piece.length;
      if (batchBytes >= WRITE_BYTES) await flush();
    }
    if (batch.length) await flush();
  } finally {
    await writing.catch(() => undefined);
  }
  await writing;
}
