import { bufferView } from './bytes';
import type { CiphertextSource } from './piece-reader';
import { plaintextMismatch, type PieceRootCheck } from './piece-root';
import { createSha256, inThreadHash, type PlaintextHash } from './plaintext-hash';
import type { SpanUnlock } from './span-unlock';

/**
 * What a whole-file read checks its plaintext against, from the key delivery: the plaintext piece
 * root (a PieceRootCheck the span unlocking reports each piece's SHA-256 to, natively and in
 * parallel), or, for items ingested before the root existed, the whole-file SHA-256 (hex), which
 * needs an incremental SHA-256 over every byte in order (plaintext-hash.ts).
 */
export type PlaintextCheck = PieceRootCheck | string;

/** How a file is cut into pieces (FileHashes and PieceReader have it). */
export interface PieceLayout {
  size: number;
  pieceLength: number;
  pieceCount: number;
}

/**
 * Loads the span of whole pieces `first … first + count - 1`: its ciphertext read into `into` (at
 * least the span's bytes; given away), every piece checked against the torrent, then decrypted.
 * Resolves with the plaintext, in `into`'s memory where the source could read into it.
 */
export type SpanLoader = (
  first: number,
  count: number,
  into: Uint8Array<ArrayBuffer>,
) => Promise<Uint8Array<ArrayBuffer>>;

/** Spans read from `source` (one request each) and checked and decrypted by `unlock`, in place. */
export function spanLoader(
  file: PieceLayout,
  source: CiphertextSource,
  unlock: SpanUnlock,
  signal: AbortSignal,
): SpanLoader {
  return async (first, count, into) => {
    const start = first * file.pieceLength;
    const end = Math.min(file.size, (first + count) * file.pieceLength);
    const ciphertext = await source(start, end, signal, into.subarray(0, end - start));
    return unlock(first, bufferView(ciphertext));
  };
}

/**
 * File System Access and Unlock folder: bytes per span, which is one Range request and one write.
 * Chromium's File System Access write costs a round trip to the browser process and a data pipe
 * each (1 MiB writes ran at half the rate of 4 MiB ones, 4 MiB at half of 8 MiB), and larger
 * requests cost the API and the browser less per byte (BENCHMARKS.md "web").
 */
export const SPAN_BYTES = 8 * 1024 * 1024;
/**
 * Span buffers going round (fetched into, decrypted in place, written, hashed, fetched into again):
 * two or three being fetched and decrypted while one is written and one hashed. All the plaintext
 * and ciphertext the page holds: 40 MiB, whatever the file's size.
 */
export const SPAN_BUFFERS = 5;
/**
 * The service worker's download stream: spans of 4 MiB, four being loaded at a time (16 MiB). Each
 * span is a new buffer, since the stream keeps what it was given until the browser has read it.
 */
export const STREAM_SPAN_BYTES = 4 * 1024 * 1024;
export const STREAM_SPANS = 4;

/**
 * The plaintext of a file's spans in order, each verified piece by piece before decryption by
 * `load`, with up to `ahead` spans loading at a time, each into a buffer from `buffer`.
 */
async function* spansInOrder(
  file: PieceLayout,
  load: SpanLoader,
  spanBytes: number,
  ahead: number,
  buffer: (bytes: number) => Promise<Uint8Array<ArrayBuffer>>,
): AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined> {
  const perSpan = Math.max(1, Math.floor(spanBytes / file.pieceLength));
  const queue: Promise<Uint8Array<ArrayBuffer>>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < ahead && next < file.pieceCount) {
      const first = next;
      const count = Math.min(perSpan, file.pieceCount - first);
      const bytes = Math.min(file.size, (first + count) * file.pieceLength) - first * file.pieceLength;
      const loading = buffer(bytes).then((into) => load(first, count, into));
      loading.catch(() => undefined); // surfaces when its turn comes
      queue.push(loading);
      next += count;
    }
  };
  fill();
  while (queue.length) {
    const span = await queue.shift()!;
    fill();
    yield span;
  }
}

/**
 * The whole plaintext of a locked file (the service worker's download stream), span by span, each
 * in a buffer of its own, checked against `expected` (a whole-file SHA-256 is hashed in this
 * thread) before the last span is handed out: a consumer that completes only when this generator
 * finishes never completes a wrong file.
 */
export async function* verifiedPlaintext(
  file: PieceLayout & { path: string },
  load: SpanLoader,
  expected: PlaintextCheck | null,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = typeof expected === 'string' ? await createSha256() : null;
  const check = async () => {
    if (typeof expected === 'string') assertSha256(file.path, hash!.hex(), expected);
    else await expected?.assertMatches();
  };
  let done = 0;
  const fresh = async (bytes: number) => new Uint8Array(bytes);
  for await (const span of spansInOrder(file, load, STREAM_SPAN_BYTES, STREAM_SPANS, fresh)) {
    hash?.update(span);
    done += span.length;
    if (done === file.size) await check();
    yield span;
    onProgress(done, file.size);
  }
  if (file.size === 0) await check();
}

/**
 * Writes the whole verified plaintext with `write` (File System Access, Unlock folder), then checks
 * it against `expected`; rejects (after the writes in flight settled) on the first failure or a
 * plaintext that differs, so the caller commits (closes) only when this resolves.
 *
 * SPAN_BUFFERS buffers of SPAN_BYTES go round: a span is fetched into one and decrypted in place
 * (`load`, which with a piece root also digests its pieces), written (`write` may read the bytes
 * until it resolves), with a whole-file SHA-256 hashed (a worker's hash takes them by transfer and
 * gives them back), then the buffer takes a later span. Nothing is allocated per span, and spans
 * wait for a free buffer: memory stays bounded however fast each step is.
 */
export async function writeVerifiedPlaintext(
  file: PieceLayout & { path: string },
  load: SpanLoader,
  expected: PlaintextCheck,
  write: (data: Uint8Array<ArrayBuffer>) => Promise<void>,
  onProgress: (bytes: number, total: number) => void = () => undefined,
  makeHash: () => Promise<PlaintextHash> = inThreadHash,
): Promise<void> {
  const hash = typeof expected === 'string' ? await makeHash() : null;
  const perSpan = Math.max(1, Math.floor(SPAN_BYTES / file.pieceLength));
  const pool = bufferPool(SPAN_BUFFERS, Math.max(1, Math.min(perSpan * file.pieceLength, file.size)));
  // Each span's round: its write, then its hash (whole-file SHA-256 only), then its buffer is free; in file order.
  let previous: Promise<void> = Promise.resolve();
  const writing = new Set<Promise<void>>();
  let done = 0;
  try {
    for await (const span of spansInOrder(file, load, SPAN_BYTES, SPAN_BUFFERS, pool.take)) {
      const written = write(span);
      writing.add(written);
      written.then(
        () => writing.delete(written),
        () => writing.delete(written),
      );
      const round = previous
        .then(() => written)
        .then(() => (hash ? hash.update(span) : span))
        .then((back) => pool.give(new Uint8Array(back.buffer)));
      // A failed write or hash stops the spans waiting for a buffer, with its reason.
      round.catch((err: Error) => pool.fail(err));
      previous = round;
      done += span.length;
      onProgress(done, file.size);
    }
    await previous;
    if (hash) assertSha256(file.path, await hash.digestHex(), expected as string);
    else await (expected as PieceRootCheck).assertMatches();
  } finally {
    // The caller aborts or closes the file only once no write is in flight.
    await Promise.allSettled([...writing]);
    hash?.close();
  }
}

/** At most `max` buffers of `bytes`, made when first needed; `take` waits for one given back. */
function bufferPool(max: number, bytes: number) {
  const free: Uint8Array<ArrayBuffer>[] = [];
  const waiting: { resolve: (b: Uint8Array<ArrayBuffer>) => void; reject: (err: Error) => void }[] = [];
  let made = 0;
  let failed: Error | null = null;
  return {
    take: (): Promise<Uint8Array<ArrayBuffer>> => {
      if (failed) return Promise.reject(failed);
      const spare = free.pop();
      if (spare) return Promise.resolve(spare);
      if (made < max) {
        made++;
        return Promise.resolve(new Uint8Array(bytes));
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    give(buffer: Uint8Array<ArrayBuffer>): void {
      // A source that could not read into the buffer answered with one of its own: keep only full-size ones.
      if (buffer.length < bytes) buffer = new Uint8Array(bytes);
      const taker = waiting.shift();
      if (taker) taker.resolve(buffer);
      else free.push(buffer);
    },
    fail(reason: Error): void {
      failed ??= reason;
      for (const taker of waiting.splice(0)) taker.reject(reason);
    },
  };
}

function assertSha256(path: string, got: string, expected: string): void {
  if (got !== expected.toLowerCase()) throw plaintextMismatch(path, 'SHA-256', got, expected);
}
