import type { PieceUnlocking } from './piece-reader';
import { inThreadUnlock, workerUnlock, type SpanUnlock } from './span-unlock';

/** A page's span checking and decrypting: in span workers where the browser can start them, else here. */
export function pageUnlock(file: PieceUnlocking): { unlock: SpanUnlock; close(): void } {
  if (typeof Worker === 'undefined') return { unlock: inThreadUnlock(file), close: () => undefined };
  return workerUnlock(file, () => new Worker(new URL('./span-worker.ts', import.meta.url), { type: 'module' }));
}
