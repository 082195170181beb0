import { Readable } from 'node:stream';

export interface BlobStat {
  size: number;
  mtime: Date;
}

/** Inclusive byte range, as in HTTP. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where uploads, published ciphertext and torrents live. Deliberately narrow so that an
 * S3-compatible driver can implement it: keys are '/'-separated, writes are atomic (readers see
 * the old object or the new one, never a part), reads stream.
 */
export interface BlobStore {
  /** Streams `body` to `key`; visible only once complete. */
  put(key: string, body: Readable | Buffer): Promise<BlobStat>;
  /** Streams the object, or the inclusive range of it. */
  read(key: string, range?: ByteRange): Readable;
  stat(key: string): Promise<BlobStat | null>;
  /** Moves an object (or every object below a prefix ending in '/') atomically per object. */
  rename(fromKey: string, toKey: string): Promise<void>;
  /** Deletes an object, or everything below a prefix ending in '/'. Missing keys are fine. */
  delete(key: string): Promise<void>;
  /** A local file path when the driver is disk-backed (lets hot paths use positional reads). */
  localPath(key: string): string | null;
}

export const BLOB_STORE = Symbol('BLOB_STORE');

/** Rejects keys that could escape the store or that name nothing. */
export function assertSafeKey(key: string): void {
  const parts = key.replace(/\/$/, '').split('/');
  if (!key || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
