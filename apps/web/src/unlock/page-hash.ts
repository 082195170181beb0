import { inThreadHash, workerHash, type PlaintextHash } from './plaintext-hash';

/** The plaintext hash for a page: in a worker of its own where the browser can start one, else here. */
export async function pageHash(): Promise<PlaintextHash> {
  if (typeof Worker === 'undefined') return inThreadHash();
  return workerHash(new Worker(new URL('./sha256-worker.ts', import.meta.url), { type: 'module' }));
}
