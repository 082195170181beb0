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
   * Adds `bytes` and resolves, once they are hashed, with the same memory (a worker's hash takes it by
   * transfer and gives it back: the caller reuses the buffer only after this resolved, and only
   * through the view it returns).
   */
  update(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
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
  return {
    update: async (b) => (h.update(b), b),
    digestHex: async () => h.hex(),
    close: () => undefined,
  };
}

/** Messages of the hash worker (`sha256-worker.ts`). */
export type ToHashWorker = { type: 'update'; bytes: Uint8Array<ArrayBuffer> } | { type: 'digest' };
export type FromHashWorker = { type: 'hashed'; bytes: Uint8Array<ArrayBuffer> } | { type: 'digest'; hex: string };

/**
 * The hash in `worker` (a `sha256-worker.ts`), on another core than the page's fetching, checking
 * and decrypting. Each update transfers the bytes' memory to the worker, which transfers it back once
 * hashed (no copy; a view of part of a buffer is copied first): the caller's buffers go round, so
 * nothing is allocated per update and what waits for the worker is what the caller has in flight.
 */
export function workerHash(worker: Worker): PlaintextHash {
  const updates: { resolve: (bytes: Uint8Array<ArrayBuffer>) => void; reject: (err: Error) => void }[] = [];
  let digest: { resolve: (hex: string) => void; reject: (err: Error) => void } | null = null;
  worker.onmessage = (e: MessageEvent<FromHashWorker>) => {
    const msg = e.data;
    if (msg.type === 'hashed') updates.shift()?.resolve(msg.bytes);
    else digest?.resolve(msg.hex);
  };
  worker.onerror = (e) => {
    const err = new Error(`the hashing worker failed: ${e.message}`);
    for (const waiting of updates.splice(0)) waiting.reject(err);
    digest?.reject(err);
  };
  const post = (msg: ToHashWorker, transfer: Transferable[] = []) => worker.postMessage(msg, transfer);
  return {
    update(bytes) {
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      return new Promise((resolve, reject) => {
        updates.push({ resolve, reject });
        post({ type: 'update', bytes: own }, [own.buffer]);
      });
    },
    digestHex: () =>
      new Promise<string>((resolve, reject) => {
        digest = { resolve, reject };
        post({ type: 'digest' });
      }),
    close: () => worker.terminate(),
  };
}
