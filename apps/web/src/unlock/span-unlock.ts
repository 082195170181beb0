import { fromErrorData, toErrorData, UnlockError, type UnlockErrorData } from './errors';
import { unlockPiece, type PieceUnlocking } from './piece-reader';
import { pieceSha256s, type PieceSha256Sink } from './piece-root';

/**
 * Checks and decrypts a span of whole pieces `first …` whose ciphertext is `bytes`, in place: each
 * piece is checked against the torrent (v1 SHA-1 first, see verifyPiece) before it is decrypted, and
 * its plaintext then overwrites its ciphertext. Resolves with the same memory (a worker takes it by
 * transfer and gives it back: the caller goes on through the view it gets, not `bytes`).
 */
export type SpanUnlock = (first: number, bytes: Uint8Array<ArrayBuffer>) => Promise<Uint8Array<ArrayBuffer>>;

/**
 * Checks and decrypts the span's pieces in place; with `digest`, then resolves with each plaintext
 * piece's SHA-256 (for the plaintext piece root, piece-root.ts), else with null.
 */
async function unlockSpan(
  file: PieceUnlocking,
  first: number,
  bytes: Uint8Array<ArrayBuffer>,
  digest: boolean,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const L = file.hashes.pieceLength;
  const pieces = Array.from({ length: Math.ceil(bytes.length / L) }, (_, j) =>
    bytes.subarray(j * L, Math.min(bytes.length, (j + 1) * L)),
  );
  await Promise.all(pieces.map((piece, j) => unlockPiece(file, first + j, piece, 'v1', true)));
  return digest ? pieceSha256s(bytes, L) : null;
}

/**
 * The span's pieces checked and decrypted in this thread (the service worker's way: it cannot start
 * workers). With `onPieceSha256`, each span's plaintext piece digests go to it before the span resolves.
 */
export function inThreadUnlock(file: PieceUnlocking, onPieceSha256?: PieceSha256Sink): SpanUnlock {
  return async (first, bytes) => {
    const digests = await unlockSpan(file, first, bytes, !!onPieceSha256);
    if (digests) onPieceSha256!(first, digests);
    return bytes;
  };
}

/**
 * Bytes a span worker checks and decrypts before it is replaced by a fresh one. WebCrypto answers
 * every decrypt with a new buffer, which Chromium frees only at a full garbage collection of the
 * thread that asked, and does not count towards starting one: a page that decrypted 1 GiB and dropped
 * each answer at once grew by ~240 MiB. A worker that is ended takes all of them with it, so no more
 * than this many bytes of answers wait per worker (ended after 32 MiB: ~55 MiB above idle in the
 * same test). Starting workers costs little: 16, 32 and 64 MiB took the same CPU per GiB in bench/web,
 * and 16 MiB left the page's process ~30 MiB smaller at its peak than 32.
 */
export const WORKER_BYTES = 16 * 1024 * 1024;

/** Page → span worker (`span-worker.ts`); `digestPieces`: answer each span with its plaintext piece digests. */
export type ToSpanWorker =
  | { type: 'file'; file: PieceUnlocking; digestPieces: boolean }
  | { type: 'span'; id: number; first: number; bytes: Uint8Array<ArrayBuffer> };
/** Span worker → page: the span's memory back, decrypted (with its piece digests if asked), or the reason it is not. */
export type FromSpanWorker =
  | { type: 'done'; id: number; bytes: Uint8Array<ArrayBuffer>; pieceSha256: Uint8Array<ArrayBuffer> | null }
  | { type: 'failed'; id: number; error: UnlockErrorData };

/**
 * What a span worker does with each message (`span-worker.ts` runs it; `post` answers the page):
 * `file` says which file its spans belong to, each `span` is checked and decrypted in place and sent
 * back by transfer (with its piece digests, when the file asked for them), or the reason it failed.
 */
export function spanWorkerHandler(post: (msg: FromSpanWorker, transfer?: Transferable[]) => void) {
  let open: Extract<ToSpanWorker, { type: 'file' }> | null = null;
  return (msg: ToSpanWorker): void => {
    if (msg.type === 'file') {
      open = msg;
      return;
    }
    const { file, digestPieces } = open!;
    unlockSpan(file, msg.first, msg.bytes, digestPieces).then(
      (pieceSha256) =>
        post({ type: 'done', id: msg.id, bytes: msg.bytes, pieceSha256 }, [
          msg.bytes.buffer,
          ...(pieceSha256 ? [pieceSha256.buffer] : []),
        ]),
      (err: unknown) => post({ type: 'failed', id: msg.id, error: toErrorData(err) }),
    );
  };
}

interface SpanWorker {
  worker: Worker;
  assigned: number;
  pending: Map<number, { first: number; resolve: (b: Uint8Array<ArrayBuffer>) => void; reject: (e: Error) => void }>;
  retired: boolean;
  /** Why it stopped (its script did not load, it crashed): later spans fail at once with it. */
  failed: Error | null;
}

/**
 * Spans checked and decrypted in span workers (`start` makes one), off the page's thread: each
 * worker takes spans until it has been given WORKER_BYTES, then the next one (started beforehand, so
 * none is waited for) takes over and the old one is ended once its last span is back. `close` ends
 * them all (spans still out reject). With `onPieceSha256`, the workers also digest each plaintext
 * piece, and each span's digests go to it before the span resolves.
 */
export function workerUnlock(
  file: PieceUnlocking,
  start: () => Worker,
  bytesPerWorker = WORKER_BYTES,
  onPieceSha256?: PieceSha256Sink,
): { unlock: SpanUnlock; close(): void } {
  let nextId = 0;
  const live = new Set<SpanWorker>();
  const spawn = (): SpanWorker => {
    const w: SpanWorker = { worker: start(), assigned: 0, pending: new Map(), retired: false, failed: null };
    w.worker.onmessage = (e: MessageEvent<FromSpanWorker>) => {
      const msg = e.data;
      const waiting = w.pending.get(msg.id);
      w.pending.delete(msg.id);
      if (msg.type === 'failed') waiting?.reject(fromErrorData(msg.error));
      else if (waiting) {
        if (msg.pieceSha256) onPieceSha256?.(waiting.first, msg.pieceSha256);
        waiting.resolve(msg.bytes);
      }
      if (w.retired && !w.pending.size) end(w);
    };
    w.worker.onerror = (e) => {
      e.preventDefault();
      w.failed = new UnlockError('UNSUPPORTED_BROWSER', `the decrypting worker failed: ${e.message}; reload the page`);
      for (const p of w.pending.values()) p.reject(w.failed);
      end(w);
    };
    // Only what the worker needs (a LockedFile's source is a function, which does not cross threads).
    const open: ToSpanWorker = {
      type: 'file',
      file: { path: file.path, hashes: file.hashes, keys: file.keys },
      digestPieces: !!onPieceSha256,
    };
    w.worker.postMessage(open);
    live.add(w);
    return w;
  };
  const end = (w: SpanWorker) => {
    w.worker.terminate();
    live.delete(w);
  };
  let current = spawn();
  let next = spawn();
  return {
    unlock(first, bytes) {
      if (current.assigned > 0 && current.assigned + bytes.length > bytesPerWorker) {
        current.retired = true;
        if (!current.pending.size) end(current);
        current = next;
        next = spawn();
      }
      const w = current;
      if (w.failed) return Promise.reject(w.failed);
      w.assigned += bytes.length;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        w.pending.set(id, { first, resolve, reject });
        const msg: ToSpanWorker = { type: 'span', id, first, bytes };
        w.worker.postMessage(msg, [bytes.buffer]);
      });
    },
    close() {
      for (const w of [...live]) {
        for (const p of w.pending.values()) p.reject(new UnlockError('ABORTED', 'the download was stopped'));
        end(w);
      }
    },
  };
}
