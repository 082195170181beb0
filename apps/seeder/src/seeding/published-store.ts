import { open, type FileHandle } from 'node:fs/promises';
import type { BlobStore } from '@keyseed/storage';
import { loadWebtorrentDependency } from '@keyseed/webtorrent/esm';
import { isPadFile, ZERO_FILE } from '@keyseed/webtorrent/pad-file';
import type { ChunkStoreCtor, RandomAccess } from '@keyseed/webtorrent/webtorrent-types';

interface StoreOpts {
  files?: { path: string }[];
  torrent?: { info?: { files?: { attr?: Uint8Array | string }[] } };
  /** Storage key of a file given its path inside the torrent (below the torrent's folder). */
  keyOf?: (relPath: string) => string;
}

const readOnly = (cb: (err: Error | null) => void) =>
  queueMicrotask(() => cb(new Error('the platform seed never writes published files')));

/** A stored file, read-only: positional reads on local disk, ranged reads from any other store. */
function storedFile(store: BlobStore, key: string): RandomAccess {
  const path = store.localPath(key);
  let handle: Promise<FileHandle> | null = null;
  const readRange = async (offset: number, length: number): Promise<Uint8Array> => {
    if (path) {
      handle ??= open(path, 'r');
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await (await handle).read(buf, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${key} ended before byte ${offset + length}`);
      return buf;
    }
    const chunks: Buffer[] = [];
    for await (const c of store.read(key, { start: offset, end: offset + length - 1 })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  return {
    read: (offset, length, cb) =>
      void readRange(offset, length).then(
        (buf) => cb(null, buf),
        (err: Error) => cb(err),
      ),
    write: (_offset, _buf, cb) => readOnly(cb),
    close: (cb) =>
      void (handle ?? Promise.resolve(null))
        .then((h) => h?.close())
        .then(
          () => cb(null),
          (err: Error) => cb(err),
        ),
  };
}

/**
 * webtorrent's chunk store over a published bundle in the blob store: each torrent file is read
 * where publish left it (`keyOf(path)`), pad files are zeros, nothing is ever written or deleted
 * (`destroy` only closes). Used for both the hybrid torrent and its pad-free v1 twin.
 */
export function publishedStore(store: BlobStore): ChunkStoreCtor {
  const FsChunkStore = loadWebtorrentDependency<ChunkStoreCtor>('fs-chunk-store');
  return class PublishedChunkStore extends FsChunkStore {
    constructor(chunkLength: number, opts: Record<string, unknown>) {
      super(chunkLength, opts);
      const o = opts as StoreOpts;
      const attrs = o.torrent?.info?.files ?? [];
      (o.files ?? []).forEach((f, i) => {
        const file = this.files[i];
        if (!file) return;
        if (isPadFile(f.path, attrs[i]?.attr)) {
          file.open = (cb) => queueMicrotask(() => cb(null, ZERO_FILE));
          return;
        }
        // webtorrent's file paths start with the torrent's name (the bundle slug).
        const rel = f.path.split(/[\\/]/).slice(1).join('/');
        const stored = storedFile(store, o.keyOf!(rel));
        file.open = (cb) => queueMicrotask(() => cb(null, stored));
      });
    }

    destroy(cb: (err: Error | null) => void): void {
      (this as unknown as { close(cb: (err: Error | null) => void): void }).close(cb);
    }
  };
}
