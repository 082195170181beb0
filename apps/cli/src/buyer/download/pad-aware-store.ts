import { importWebtorrentDependency } from './esm';
import type { ChunkStoreCtor, RandomAccess } from './webtorrent-types';

/** BEP 47: a pad file has `attr` containing "p"; by convention its path is `.pad/<size>`. */
const PAD_PATH = /(^|[\\/])\.pad[\\/]\d+$/;

interface StoreOpts {
  files?: { path: string }[];
  torrent?: { info?: { files?: { attr?: Uint8Array | string }[] } };
}

/** Reads zeros, swallows writes: a pad file that never touches the disk. */
const ZERO_FILE: RandomAccess = {
  write: (_offset, _buf, cb) => queueMicrotask(() => cb(null)),
  read: (_offset, length, cb) => queueMicrotask(() => cb(null, new Uint8Array(length))),
  close: (cb) => queueMicrotask(() => cb(null)),
};

export function isPadFile(path: string, attr?: Uint8Array | string): boolean {
  const a = attr === undefined ? '' : typeof attr === 'string' ? attr : Buffer.from(attr).toString('latin1');
  return a.includes('p') || PAD_PATH.test(path);
}

/**
 * webtorrent's file-system chunk store, except that BEP 47 pad files (our hybrid torrents put one
 * after every file that does not end on a piece boundary) are virtual: their bytes are zeros by
 * definition, so they are never written to disk and read back as zeros when pieces are verified.
 * The download folder holds exactly the bundle's files.
 */
export async function padAwareStore(): Promise<ChunkStoreCtor> {
  const FsChunkStore = await importWebtorrentDependency<ChunkStoreCtor>('fs-chunk-store');
  return class PadAwareChunkStore extends FsChunkStore {
    constructor(chunkLength: number, opts: Record<string, unknown>) {
      super(chunkLength, opts);
      const o = opts as StoreOpts;
      const attrs = o.torrent?.info?.files ?? [];
      (o.files ?? []).forEach((f, i) => {
        if (isPadFile(f.path, attrs[i]?.attr) && this.files[i])
          this.files[i].open = (cb) => queueMicrotask(() => cb(null, ZERO_FILE));
      });
    }
  };
}
