import { fromErrorData, type UnlockErrorData } from './errors';
import type { PieceKeySource } from './piece-keys';
import type { FileHashes } from './torrent-hashes';

/** Page → piece worker: the file (once), then spans of pieces to fetch, check and decrypt. */
export type ToPieceWorker =
  | {
      type: 'file';
      path: string;
      hashes: FileHashes;
      keys: PieceKeySource;
      /** The webseed URL of the `.locked` file, or the local file itself. */
      source: string | Blob;
    }
  | { type: 'span'; id: number; first: number; count: number };

/** Piece worker → page: a span's plaintext pieces in order, or why it failed. */
export type FromPieceWorker =
  { type: 'span'; id: number; pieces: Uint8Array[] } | { type: 'error'; id: number; error: UnlockErrorData };

export type PieceWorkerFile = Omit<Extract<ToPieceWorker, { type: 'file' }>, 'type'>;

/** Loads the verified, decrypted pieces `first … first + count - 1` of a file. */
export type SpanLoader = (first: number, count: number) => Promise<Uint8Array[]>;

/**
 * Spans of one locked file loaded by `count` piece workers (`piece-worker.ts`), each span handed to
 * the worker with the fewest in flight. A key crosses to the workers as the non-extractable
 * CryptoKey it is (structured clone), never as bytes. `close()` stops them, requests included.
 */
export function pieceWorkers(
  file: PieceWorkerFile,
  count: number,
  start: () => Worker = () => new Worker(new URL('./piece-worker.ts', import.meta.url), { type: 'module' }),
): { load: SpanLoader; close(): void } {
  const workers = Array.from({ length: count }, () => {
    const worker = start();
    const pending = new Map<number, { resolve: (p: Uint8Array[]) => void; reject: (e: Error) => void }>();
    const state = { worker, pending, failed: null as Error | null };
    worker.onmessage = (e: MessageEvent<FromPieceWorker>) => {
      const msg = e.data;
      const waiting = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.type === 'span') waiting?.resolve(msg.pieces);
      else waiting?.reject(fromErrorData(msg.error));
    };
    // A worker that failed (it did not load, or it crashed) fails what it had and what it is given later.
    worker.onerror = (e) => {
      state.failed = new Error(`a piece worker failed: ${e.message}`);
      for (const w of pending.values()) w.reject(state.failed);
      pending.clear();
    };
    worker.postMessage({ type: 'file', ...file } satisfies ToPieceWorker);
    return state;
  });
  let nextId = 0;
  return {
    load(first, n) {
      const w = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      if (w.failed) return Promise.reject(w.failed);
      return new Promise<Uint8Array[]>((resolve, reject) => {
        w.pending.set(id, { resolve, reject });
        w.worker.postMessage({ type: 'span', id, first, count: n } satisfies ToPieceWorker);
      });
    },
    close() {
      for (const w of workers) w.worker.terminate();
    },
  };
}

/** Piece workers for this device: one per core, two to four. */
export function pieceWorkerCount(): number {
  return Math.min(4, Math.max(2, globalThis.navigator?.hardwareConcurrency ?? 2));
}
