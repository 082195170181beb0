import type { PieceUnlocking } from './piece-reader';
import type { PieceSha256Sink } from './piece-root';
import { inThreadUnlock, workerUnlock, WORKER_BYTES, type SpanUnlock } from './span-unlock';

/**
 * A page's span checking and decrypting: in span workers where the browser can start them, else
 * here; with `onPieceSha256`, each span's plaintext piece digests too (piece-root.ts).
 */
export function pageUnlock(
  file: PieceUnlocking,
  onPieceSha256?: PieceSha256Sink,
): { unlock: SpanUnlock; close(): void } {
  if (typeof Worker === 'undefined') return { unlock: inThreadUnlock(file, onPieceSha256), close: () => undefined };
  return workerUnlock(
    file,
    () => new Worker(new URL('./span-worker.ts', import.meta.url), { type: 'module' }),
    WORKER_BYTES,
    onPieceSha256,
  );
}
