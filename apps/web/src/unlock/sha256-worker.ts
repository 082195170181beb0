import { createSha256, type FromHashWorker, type ToHashWorker } from './plaintext-hash';

/**
 * The page's hashing worker (plaintext-hash.ts `workerHash`): SHA-256 of a file's plaintext, piece
 * after piece, on a thread of its own. Answers every update with the bytes hashed (transferred back) and `digest` with the hex.
 */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<ToHashWorker>) => void): void;
  postMessage(msg: FromHashWorker, transfer?: Transferable[]): void;
};
let hash = createSha256();
scope.addEventListener('message', (e) => {
  const msg = e.data;
  hash = hash.then((h) => {
    if (msg.type === 'update') {
      h.update(msg.bytes);
      // Back to the page, which reuses the buffer (plaintext-hash.ts workerHash).
      scope.postMessage({ type: 'hashed', bytes: msg.bytes }, [msg.bytes.buffer]);
    } else scope.postMessage({ type: 'digest', hex: h.hex() });
    return h;
  });
});
