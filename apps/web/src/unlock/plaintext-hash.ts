import { sha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';
import { toHex } from './bytes';

/**
 * The incremental SHA-256 a whole-file read checks the plaintext with. WebCrypto has only one-shot
 * digests, so it runs in script: hash-wasm's WebAssembly (about twice @noble/hashes' speed; the CSP
 * allows it with 'wasm-unsafe-eval'), or @noble/hashes where WebAssembly cannot be compiled.
 * Pages run it in a worker of its own (`workerHash`), next to the fetching and decrypting; the
 * service worker, which cannot start workers, in its own thread (docs/web-app.md).
 */
export interface PlaintextHash {
  /**
   * Adds `bytes`, which it may take (a worker's hash transfers their memory: the caller must have
   * used them before); resolves when the caller may go on (a worker bounds what waits for it).
   */
  update(bytes: Uint8Array): void | Promise<void>;
  /** The hex SHA-256 of everything added. */
  digestHex(): Promise<string>;
  /** Stops the worker, if any. */
  close(): void;
}

interface Sha256 {
  update(bytes: Uint8Array): void;
  hex(): string;
}

/** SHA-256 in WebAssembly, or in script where the page's policy or the browser refuses WebAssembly. */
export async function createSha256(): Promise<Sha256> {
  try {
    const h = await createSHA256();
    h.init();
    return { update: (b) => void h.update(b), hex: () => h.digest('hex') };
  } catch {
    const h = sha256.create();
    return { update: (b) => void h.update(b), hex: () => toHex(h.digest()) };
  }
}

/** The hash in this thread. */
export async function inThreadHash(): Promise<PlaintextHash> {
  const h = await createSha256();
  return { update: (b) => h.update(b), digestHex: async () => h.hex(), close: () => undefined };
}

/** Messages of the hash worker (`sha256-worker.ts`). */
export type ToHashWorker = { type: 'update'; bytes: Uint8Array } | { type: 'digest' };
export type FromHashWorker = { type: 'ack' } | { type: 'digest'; hex: string };

/**
 * The hash in `worker` (a `sha256-worker.ts`), which runs on another core than the page's fetching,
 * checking and decrypting. Each update transfers the bytes' memory to the worker (no copy: a view
 * of part of a buffer is copied first); at most `maxQueuedBytes` wait in the worker, so memory stays
 * bounded when hashing is the slowest stage, and small pieces do not stall on one round trip each.
 */
export function workerHash(worker: Worker, maxQueuedBytes = 8 * 1024 * 1024): PlaintextHash {
  const queued: number[] = [];
  let queuedBytes = 0;
  let wake: (() => void) | null = null;
  let digest: ((hex: string) => void) | null = null;
  let failed: ((err: Error) => void) | null = null;
  worker.onmessage = (e: MessageEvent<FromHashWorker>) => {
    if (e.data.type === 'ack') {
      queuedBytes -= queued.shift() ?? 0;
      wake?.();
      wake = null;
    } else digest?.(e.data.hex);
  };
  worker.onerror = (e) => failed?.(new Error(`the hashing worker failed: ${e.message}`));
  const post = (msg: ToHashWorker, transfer: Transferable[] = []) => worker.postMessage(msg, transfer);
  return {
    async update(bytes) {
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      post({ type: 'update', bytes: own }, [own.buffer as ArrayBuffer]);
      queued.push(bytes.length);
      queuedBytes += bytes.length;
      while (queuedBytes > maxQueuedBytes)
        await new Promise<void>((resolve, reject) => {
          wake = resolve;
          failed = reject;
        });
    },
    digestHex: () =>
      new Promise<string>((resolve, reject) => {
        digest = resolve;
        failed = reject;
        post({ type: 'digest' });
      }),
    close: () => worker.terminate(),
  };
}
