import { UnlockError } from './errors';
import type { PieceReader } from './piece-reader';
import { createSha256, inThreadHash, type PlaintextHash } from './plaintext-hash';

/** Bytes fetched per request when reading a whole file (whole pieces, at least one). */
export const SPAN_BYTES = 2 * 1024 * 1024;
/**
 * Ciphertext being fetched, verified and decrypted at a time (at least two spans): several requests
 * in flight, because each moves through a small pipe from the network process, so on a busy machine
 * the bytes per thread wake-up, not the CPU, set a single request's pace (docs/web-app.md).
 */
export const IN_FLIGHT_BYTES = 12 * 1024 * 1024;

/** How a file is cut into pieces (FileHashes and PieceReader have it). */
export interface PieceLayout {
  size: number;
  pieceLength: number;
  pieceCount: number;
}

/** Loads the verified, decrypted pieces `first … first + count - 1` of a file. */
export type SpanLoader = (first: number, count: number) => Promise<Uint8Array[]>;

/** Spans loaded in this thread by `reader`, each fetched into a reused buffer. */
export function inThreadSpans(reader: PieceReader, signal: AbortSignal): SpanLoader {
  const free: ArrayBuffer[] = [];
  return async (first, count) => {
    const bytes = Math.min(count * reader.pieceLength, reader.size - first * reader.pieceLength);
    const spare = free.pop();
    const into = new Uint8Array(spare && spare.byteLength >= bytes ? spare : new ArrayBuffer(bytes));
    const { pieces, buffer } = await reader.span(first, count, { into, signal, prefer: 'v1' });
    free.push(buffer);
    return pieces;
  };
}

/**
 * Every piece of a locked file in order, each verified against the torrent before decryption by
 * `load` (PieceReader.span; v1 SHA-1 first: see verifyPiece). A
 * pipeline with bounded memory (docs/web-app.md): about IN_FLIGHT_BYTES in spans of ~2 MiB are
 * being fetched, verified and decrypted while the consumer takes the pieces of the oldest.
 */
export async function* verifiedPieces(
  file: PieceLayout,
  load: SpanLoader,
): AsyncGenerator<Uint8Array, void, undefined> {
  const perSpan = Math.max(1, Math.floor(SPAN_BYTES / file.pieceLength));
  const inFlight = Math.max(2, Math.floor(IN_FLIGHT_BYTES / (perSpan * file.pieceLength)));
  const spans: Promise<Uint8Array[]>[] = [];
  let next = 0;
  const fill = () => {
    while (spans.length < inFlight && next < file.pieceCount) {
      const loading = load(next, Math.min(perSpan, file.pieceCount - next));
      loading.catch(() => undefined); // surfaces when its turn comes
      spans.push(loading);
      next += perSpan;
    }
  };
  fill();
  while (spans.length > 0) {
    const pieces = await spans.shift()!;
    fill();
    yield* pieces;
  }
}

/**
 * The whole plaintext of a locked file, verified piece by piece (verifiedPieces), hashed in this
 * thread and checked against `expectedSha256` (hex, from the key delivery) before the last piece is
 * handed out: a consumer that completes only when this generator finishes (the service worker's
 * download stream) never completes a wrong file.
 */
export async function* verifiedPlaintext(
  reader: PieceReader,
  expectedSha256: string | null,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = expectedSha256 ? await createSha256() : null;
  const stop = new AbortController();
  let done = 0;
  try {
    for await (const piece of verifiedPieces(reader, inThreadSpans(reader, stop.signal))) {
      hash?.update(piece);
      done += piece.length;
      if (done === reader.size && hash) assertSha256(reader.file.path, hash.hex(), expectedSha256!);
      yield piece;
      onProgress(done, reader.size);
    }
  } finally {
    // Stopping early (an error, a cancelled download) aborts the requests in flight.
    stop.abort();
  }
  if (reader.size === 0 && hash) assertSha256(reader.file.path, hash.hex(), expectedSha256!);
}

/**
 * Writes the whole verified plaintext with `write` (File System Access: the page's path), then
 * checks it against `expectedSha256`; rejects (after the write in flight settled) on the first
 * failure or a SHA-256 that differs, so the caller commits (closes) only when this resolves.
 *
 * Each piece is copied once, into a Blob (one copy the write needs anyway), and then handed to the
 * hash, which may take its memory (a worker's hash: transferred, not copied). Blobs are gathered into
 * writes of about WRITE_BYTES (no copy), up to WRITES_IN_FLIGHT of them queued while the next
 * pieces come.
 */
export async function writeVerifiedPlaintext(
  file: PieceLayout & { path: string },
  load: SpanLoader,
  expectedSha256: string,
  write: (data: Blob) => Promise<void>,
  onProgress: (bytes: number, total: number) => void = () => undefined,
  makeHash: () => Promise<PlaintextHash> = inThreadHash,
): Promise<void> {
  const hash = await makeHash();
  const writes: Promise<void>[] = [];
  let batch: Blob[] = [];
  let batchBytes = 0;
  let done = 0;
  const flush = async () => {
    const blob = new Blob(batch);
    batch = [];
    batchBytes = 0;
    if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
    const writing = write(blob);
    writing.catch(() => undefined); // surfaces when its turn comes, or at the end
    writes.push(writing);
  };
  try {
    for await (const piece of verifiedPieces(file, load)) {
      batch.push(new Blob([piece as Uint8Array<ArrayBuffer>]));
      batchBytes += piece.length;
      done += piece.length;
      await hash.update(piece);
      if (batchBytes >= WRITE_BYTES) await flush();
      onProgress(done, file.size);
    }
    if (batch.length) await flush();
    assertSha256(file.path, await hash.digestHex(), expectedSha256);
  } finally {
    hash.close();
    await Promise.allSettled(writes);
  }
  for (const w of writes) await w;
}

function assertSha256(path: string, got: string, expected: string): void {
  if (got !== expected.toLowerCase())
    throw new UnlockError(
      'PLAINTEXT_MISMATCH',
      `${path}: the decrypted file's SHA-256 is ${got}, the key delivery says ${expected}; every piece matched the torrent, so the keys do not fit this copy. Nothing was kept`,
      { path },
    );
}

/** Bytes gathered into one write: one round trip to the browser per ~4 MiB, whatever the piece length. */
export const WRITE_BYTES = 4 * 1024 * 1024;
/** Writes handed to the browser at a time (it queues them): its copying and writing overlap. */
export const WRITES_IN_FLIGHT = 3;
