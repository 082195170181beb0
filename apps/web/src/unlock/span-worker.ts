import { spanWorkerHandler, type FromSpanWorker, type ToSpanWorker } from './span-unlock';

/**
 * A span worker (span-unlock.ts `workerUnlock`): checks and decrypts the spans of one file that the
 * page sends it, in place, and sends each back (by transfer both ways: no copy), or the reason it
 * failed. The page ends it after WORKER_BYTES, which frees the WebCrypto answers it made.
 */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<ToSpanWorker>) => void): void;
  postMessage(msg: FromSpanWorker, transfer?: Transferable[]): void;
};
const handle = spanWorkerHandler((msg, transfer) => scope.postMessage(msg, transfer));
scope.addEventListener('message', (e) => handle(e.data));
