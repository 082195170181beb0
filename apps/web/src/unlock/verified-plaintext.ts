import { UnlockError } from './errors';
import type { PieceReader } from './piece-reader';
import { createSha256, inThreadHash, type PlaintextHash } from './plaintext-hash';

/**
 * Bytes fetched per request when reading a whole file (whole pieces, at least one): each request
 * costs the API and the browser a fixed amount, so in this browser 4 MiB requests read the webseed
 * at about twice the rate of 2 MiB ones (BENCHMARKS.md "web").
 */
export const SPAN_BYTES = 4 * 1024 * 1024;
/**
 * Ciphertext being fetched, verified and decrypted at a time (at least two spans): several requests
 * in flight, because each moves through a small pipe from the network process, so on a busy machine
 * the bytes per thread wake-up, not the CPU, set a single request's pace (docs/web-app.md).
 */
export const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

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
 * checks it against `expectedSha256`; rejects (after the writes in flight settled) on the first
 * failure or a SHA-256 that differs, so the caller commits (closes) only when this resolves.
 *
 * The pieces are copied into WRITE_BUFFERS buffers of WRITE_BYTES that go round: filled, written
 * (`write` may read the bytes until it resolves), hashed (a worker's hash takes them by transfer and
 * gives them back), filled again: no allocation per write. The decrypted pieces (WebCrypto's
 * answers, one buffer each) are left to the garbage collector: detaching them (`transfer(0)`) hides
 * them from V8's accounting while Blink still holds their memory, and 1 GiB of them then stayed
 * resident (docs/web-app.md).
 */
export async function writeVerifiedPlaintext(
  file: PieceLayout & { path: string },
  load: SpanLoader,
  expectedSha256: string,
  write: (data: Uint8Array<ArrayBuffer>) => Promise<void>,
  onProgress: (bytes: number, total: number) => void = () => undefined,
  makeHash: () => Promise<PlaintextHash> = inThreadHash,
): Promise<void> {
  const hash = await makeHash();
  const bufferBytes = Math.max(1, Math.min(WRITE_BYTES, file.size));
  const free: Uint8Array<ArrayBuffer>[] = [];
  let allocated = 0;
  // One round per buffer: its write, then its hash, then the buffer is free again; in file order.
  const rounds: Promise<void>[] = [];
  let previous: Promise<void> = Promise.resolve();
  const writing = new Set<Promise<void>>();
  let current: Uint8Array<ArrayBuffer> | null = null;
  let filled = 0;
  let done = 0;
  const nextBuffer = async (): Promise<Uint8Array<ArrayBuffer>> => {
    if (!free.length && allocated < WRITE_BUFFERS) {
      allocated++;
      return new Uint8Array(bufferBytes);
    }
    while (!free.length) await rounds.shift();
    return free.pop()!;
  };
  const flush = () => {
    const data = current!.subarray(0, filled);
    current = null;
    filled = 0;
    const written = write(data);
    writing.add(written);
    written.then(
      () => writing.delete(written),
      () => writing.delete(written),
    );
    const round = previous
      .then(() => written)
      .then(() => hash.update(data))
      .then((back) => void free.push(new Uint8Array(back.buffer)));
    round.catch(() => undefined); // surfaces when its buffer is needed, or at the end
    rounds.push(round);
    previous = round;
  };
  try {
    for await (const piece of verifiedPieces(file, load)) {
      for (let at = 0; at < piece.length;) {
        current ??= await nextBuffer();
        const n = Math.min(piece.length - at, current.length - filled);
        current.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === current.length) flush();
      }
      done += piece.length;
      onProgress(done, file.size);
    }
    if (filled) flush();
    while (rounds.length) await rounds.shift();
    assertSha256(file.path, await hash.digestHex(), expectedSha256);
  } finally {
    // The caller aborts or closes the file only once no write is in flight.
    await Promise.allSettled([...writing]);
    hash.close();
  }
}

function assertSha256(path: string, got: string, expected: string): void {
  if (got !== expected.toLowerCase())
    throw new UnlockError(
      'PLAINTEXT_MISMATCH',
      `${path}: the decrypted file's SHA-256 is ${got}, the key delivery says ${expected}; every piece matched the torrent, so the keys do not fit this copy. Nothing was kept`,
      { path },
    );
}

/**
 * Bytes per write: Chromium's File System Access write costs a round trip to the browser process
 * and a data pipe each, so 1 MiB writes ran at half the rate of 4 MiB ones (BENCHMARKS.md "web").
 */
export const WRITE_BYTES = 8 * 1024 * 1024;
/** Write buffers going round (write → hash → refill): the browser writes one while the next fill and the hash go on. */
export const WRITE_BUFFERS = 4;
