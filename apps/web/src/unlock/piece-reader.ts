import { corruptPiece, UnlockError } from './errors';
import { decryptPiece, decryptPieceInto, pieceKey, type PieceKeySource } from './piece-keys';
import { verifyPiece, type PieceCheck } from './piece-verify';
import type { FileHashes } from './torrent-hashes';

/**
 * Reads ciphertext bytes `[start, end)` of a `.locked` file: from the webseed, or from a local File.
 * `into` (at least `end - start` bytes) is a buffer the source may read into instead of allocating
 * one; the answer may view it (or, after a stream transferred it, the same memory under a new
 * ArrayBuffer), so the caller treats `into` as given away. The answer is the caller's own: whole-file
 * reads decrypt it in place.
 */
export type CiphertextSource = (
  start: number,
  end: number,
  signal?: AbortSignal,
  into?: Uint8Array<ArrayBuffer>,
) => Promise<Uint8Array>;

export interface LockedFile {
  /** Plaintext path (messages). */
  path: string;
  hashes: FileHashes;
  keys: PieceKeySource;
  source: CiphertextSource;
}

/**
 * Verified, decrypted pieces of one locked file. Every ciphertext piece is checked against the
 * torrent's hashes before it is decrypted (a bad one throws CORRUPT_PIECE naming it). Memory is
 * bounded: at most `cachePieces` plaintext pieces are kept (most recent first) plus those in flight,
 * whatever the file's size.
 */
export class PieceReader {
  private readonly cache = new Map<number, Promise<Uint8Array>>();

  constructor(
    readonly file: LockedFile,
    private readonly cachePieces = 4,
  ) {}

  get size(): number {
    return this.file.hashes.size;
  }

  get pieceLength(): number {
    return this.file.hashes.pieceLength;
  }

  get pieceCount(): number {
    return this.file.hashes.pieceCount;
  }

  /** Plaintext of piece `index` (verified and decrypted once, then served from the small cache). */
  piece(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const loading = this.load(index);
    loading.catch(() => this.cache.delete(index));
    this.cache.set(index, loading);
    while (this.cache.size > this.cachePieces) this.cache.delete(this.cache.keys().next().value as number);
    return loading;
  }

  /** Starts loading piece `index` in the background (read-ahead); failures surface when it is read. */
  prefetch(index: number): void {
    if (index < this.pieceCount && !this.cache.has(index)) this.piece(index).catch(() => undefined);
  }

  private async load(index: number): Promise<Uint8Array> {
    const start = index * this.pieceLength;
    return unlockPiece(this.file, index, await this.file.source(start, Math.min(this.size, start + this.pieceLength)));
  }
}

/** What checking and decrypting a file's pieces needs (no source: span workers get the bytes). */
export type PieceUnlocking = Pick<LockedFile, 'path' | 'hashes' | 'keys'>;

/**
 * Checks piece `index`'s ciphertext against the torrent (CORRUPT_PIECE naming it if it differs),
 * then decrypts it: into a new buffer, or with `inPlace` over its own ciphertext.
 */
export async function unlockPiece(
  file: PieceUnlocking,
  index: number,
  ciphertext: Uint8Array,
  prefer: PieceCheck = 'v2',
  inPlace = false,
): Promise<Uint8Array> {
  const { hashes, keys, path } = file;
  const key = await pieceKey(keys, index);
  if (!key)
    throw new UnlockError('NO_PREVIEW', `${path}: piece ${index} is past the free preview; buy the film to watch on`, {
      piece: index,
      path,
    });
  if (!(await verifyPiece(hashes, index, ciphertext, prefer))) throw corruptPiece(path, index, hashes.pieceLength);
  if (!inPlace) return decryptPiece(key, ciphertext);
  await decryptPieceInto(key, ciphertext, ciphertext);
  return ciphertext;
}

/** A CiphertextSource over HTTP Range requests (the webseed), with the API's failures typed. */
export function webseedSource(url: string, fetchFn: typeof fetch = fetch): CiphertextSource {
  return async (start, end, signal, into) => {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetchFn(url, { headers: { Range: `bytes=${start}-${end - 1}` }, signal, cache: 'no-store' });
      } catch (err) {
        if ((err as { name?: string })?.name === 'AbortError') throw err;
        throw unreachable(err);
      }
      // BEP 19: a busy webseed says when to come back; a browser has no other source, so it waits.
      if (res.status === 503 && attempt < MAX_RETRIES) {
        await res.body?.cancel();
        await sleep(Math.min(MAX_RETRY_MS, 1000 * (Number(res.headers.get('Retry-After')) || 1)), signal);
        continue;
      }
      if (res.status === 404 || res.status === 410)
        throw new UnlockError('TAKEN_DOWN', 'this film is no longer served: the bundle was taken down or unpublished', {
          status: res.status,
        });
      if (res.status !== 206 && !(res.status === 200 && start === 0))
        throw new UnlockError('API_ERROR', `the webseed answered ${res.status} for bytes ${start}–${end - 1}`, {
          status: res.status,
        });
      const bytes = into && res.body ? await readInto(res.body, into, signal) : null;
      const got = bytes ?? new Uint8Array(await res.arrayBuffer()).subarray(0, end - start);
      if (got.length !== end - start)
        throw new UnlockError('API_ERROR', `the webseed sent ${got.length} of bytes ${start}–${end - 1}; retry`, {
          status: res.status,
        });
      return got;
    }
  };
}

/**
 * Reads a response body into `into` with a BYOB reader: no buffer per network chunk and no final
 * concatenation, so a whole-file read allocates nothing per span (docs/web-app.md). Null when the
 * body is not a byte stream (then the caller reads it the ordinary way).
 */
async function readInto(
  body: ReadableStream<Uint8Array>,
  into: Uint8Array<ArrayBuffer>,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
  // The first read transfers `into`'s memory (into is detached from then on): keep its shape.
  let buffer = into.buffer;
  const base = into.byteOffset;
  const length = into.length;
  let filled = 0;
  try {
    while (filled < length) {
      if (signal?.aborted) throw signal.reason as Error;
      const { value, done } = await reader.read(new Uint8Array(buffer, base + filled, length - filled));
      if (value) buffer = value.buffer;
      if (done) break;
      filled += value.byteLength;
    }
    // A 200 for the whole file (a server that ignores Range) has more than was asked: stop it there.
    if (filled === length) await reader.cancel().catch(() => undefined);
  } catch (err) {
    if ((err as { name?: string })?.name === 'AbortError') throw err;
    throw unreachable(err);
  } finally {
    reader.releaseLock();
  }
  return new Uint8Array(buffer, base, filled);
}

function unreachable(err: unknown): UnlockError {
  return new UnlockError(
    'API_UNREACHABLE',
    `the webseed did not answer (${(err as Error).message}); check your connection and retry`,
    {},
    { cause: err },
  );
}

const MAX_RETRIES = 5;
const MAX_RETRY_MS = 3000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });
}

/** A CiphertextSource over a local File (Unlock my folder). */
export function fileSource(file: Blob): CiphertextSource {
  return async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer());
}
