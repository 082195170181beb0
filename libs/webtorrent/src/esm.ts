import { requireEsm } from '@keyseed/esm';

// webtorrent 2.8.5 needs uint8-util 2.2.x (pinned in package.json `overrides`): 2.3's arr2hex
// throws on the hex string webtorrent passes it when adding a torrent.

/** The webtorrent client class (ES module, loaded with requireEsm). */
export function loadWebTorrent<T>(): T {
  return requireEsm<T>('webtorrent');
}

/** A dependency of webtorrent that only exports an `import` condition (fs-chunk-store), found next to webtorrent. */
export function loadWebtorrentDependency<T>(name: string, entry = 'index.js'): T {
  return requireEsm<T>(name, entry, 'webtorrent');
}
