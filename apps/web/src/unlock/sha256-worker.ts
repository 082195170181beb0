import { createSha256, type FromHashWorker, type ToHashWorker } from './plaintext-hash';

/**
 * The page's hashing worker (plaintext-hash.ts `workerHash`): SHA-256 of a file's plaintext, piece
 * after piece, on a thread of its own. Answers every update with `ack` and `digest` with the hex.
 */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<ToHashWorker>) => void): void;
  postMessage(msg: FromHashWorker): void;
};
let hash = createSha256();
scope.addEventListener('message', (e) => {
  const msg = e.data;
  hash = hash.then((h) => {
    if (msg.type === 'update') {
      h.update(msg.bytes);
      // Frees the piece now: memory transferred in is not counted towards this worker's garbage
      // collection, so dropped pieces would pile up (1 GiB Download: +350 MiB, BENCHMARKS.md "web").
      (msg.bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
      scope.postMessage({ type: 'ack' });
    } else scope.postMessage({ type: 'digest', hex: h.hex() });
    return h;
  });
});
