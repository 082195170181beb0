import { toErrorData } from './errors';
import { fileSource, PieceReader, webseedSource } from './piece-reader';
import type { FromPieceWorker, ToPieceWorker } from './piece-workers';

/**
 * A page's piece worker (piece-workers.ts): fetches spans of a locked file's ciphertext, checks
 * every piece against the torrent, decrypts it, and hands the plaintext pieces back (transferred,
 * not copied). WebCrypto runs on the calling thread, so the pieces of a file are checked and
 * decrypted on several cores at once, next to the page's writing and the hash worker.
 */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<ToPieceWorker>) => void): void;
  postMessage(msg: FromPieceWorker, transfer?: Transferable[]): void;
};
let reader: PieceReader | null = null;
const free: ArrayBuffer[] = [];

scope.addEventListener('message', (e) => {
  const msg = e.data;
  if (msg.type === 'file') {
    const { path, hashes, keys, source } = msg;
    reader = new PieceReader({
      path,
      hashes,
      keys,
      source: typeof source === 'string' ? webseedSource(source) : fileSource(source),
    });
    return;
  }
  const { id, first, count } = msg;
  const r = reader!;
  const bytes = Math.min(count * r.pieceLength, r.size - first * r.pieceLength);
  const spare = free.pop();
  const into = new Uint8Array(spare && spare.byteLength >= bytes ? spare : new ArrayBuffer(bytes));
  r.span(first, count, { into, prefer: 'v1' }).then(
    ({ pieces, buffer }) => {
      free.push(buffer);
      scope.postMessage(
        { type: 'span', id, pieces },
        pieces.map((p) => p.buffer as ArrayBuffer),
      );
    },
    (err: unknown) => scope.postMessage({ type: 'error', id, error: toErrorData(err) }),
  );
});
