/**
 * The blob store's key layout, in one place: the API writes uploads and serves torrents, the worker
 * reads uploads and writes published ciphertext and torrents. Pure functions, no I/O.
 */

/** The completed (plaintext) upload of an item, per upload generation: `uploads/<itemId>/<generation>`. */
export function uploadKey(itemId: string, generation: number): string {
  return `uploads/${itemId}/${generation}`;
}

/** Prefix holding every upload generation of an item (ends with '/', for BlobStore.delete). */
export function uploadPrefix(itemId: string): string {
  return `uploads/${itemId}/`;
}

/** Where ingest attempts of an item write their ciphertext before the atomic rename to its published key (ends with '/'). */
export function stagingPrefix(itemId: string): string {
  return `staging/${itemId}/`;
}

/** A published file of a bundle (ciphertext for locked items, `<path>.locked`), as served by the webseed. */
export function publishedKey(bundleId: string, relPath: string): string {
  return `published/${bundleId}/${relPath}`;
}

/** An item's path inside the torrent: locked items travel as `<path>.locked`. */
export function itemTorrentPath(item: { path: string; locked: boolean }): string {
  return item.locked ? `${item.path}.locked` : item.path;
}

/** The published file of an item (written by ingest while the bundle is a DRAFT). */
export function itemPublishedKey(bundleId: string, item: { path: string; locked: boolean }): string {
  return publishedKey(bundleId, itemTorrentPath(item));
}

/** Prefix holding every published file of a bundle (ends with '/'). */
export function publishedPrefix(bundleId: string): string {
  return `published/${bundleId}/`;
}

/** The hybrid v1+v2 torrent of a bundle. */
export function torrentKey(bundleId: string, slug: string): string {
  return `torrents/${bundleId}/${slug}.torrent`;
}

/** The legacy v1-only torrent of a bundle (for Transmission <= 3, aria2 <= 1.36). */
export function legacyTorrentKey(bundleId: string, slug: string): string {
  return `torrents/${bundleId}/${slug}.v1.torrent`;
}

/** Prefix holding a bundle's torrents (ends with '/'). */
export function torrentPrefix(bundleId: string): string {
  return `torrents/${bundleId}/`;
}

/** The bundle's `keyseed.json` manifest as published inside the torrent. */
export function manifestKey(bundleId: string): string {
  return `published/${bundleId}/keyseed.json`;
}

/**
 * Directory (outside the blob store) where tus keeps uploads in progress: `<id>` holds the bytes
 * received so far, `<id>.json` the upload's metadata. Completed uploads move to {@link uploadKey}.
 */
export function tusUploadDirectory(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/uploads`;
}

/**
 * On an object store, tus (@tus/s3-store) keeps an upload in progress as a multipart upload to
 * `tus/<uploadId>/file` with its metadata beside it (`file.info`, `file.part`); deleting the prefix
 * removes all of it. Completed uploads move to {@link uploadKey}.
 */
export function tusObjectPrefix(uploadId: string): string {
  return `tus/${uploadId}/`;
}

/** The tus upload id (and object key) of an upload in progress on an object store. */
export function tusObjectKey(uploadId: string): string {
  return `${tusObjectPrefix(uploadId)}file`;
}
