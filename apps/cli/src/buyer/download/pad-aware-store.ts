import { loadWebtorrentDependency } from '@keyseed/webtorrent/esm';
import { isPadFile, ZERO_FILE } from '@keyseed/webtorrent/pad-file';
import type { ChunkStoreCtor } from '@keyseed/webtorrent/webtorrent-types';

interface StoreOpts {
  files?: { path: string }[];
  torrent?: { info?: { files?: { attr?: Uint8Array | string }[] } };
}

/**
 * webtorrent's file-system chunk store, except that BEP 47 pad files (our hybrid torrents put one
 * after every file that does not end on a piece boundary) are virtual: their bytes are zeros by
 * definition, so they are never written to disk and read back as zeros when pieces are verified.
 * The download folder holds exactly the bundle's files.
 */
export function padAwareStore(): ChunkStoreCtor {
  const FsChunkStore = loadWebtorrentDependency<ChunkStoreCtor>('fs-chunk-store');
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
