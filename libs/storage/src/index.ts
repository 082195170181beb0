export { BlobStore, BlobStat, ByteRange, BLOB_STORE, assertSafeKey } from './blob-store';
export { LocalDiskStore } from './local-disk-store';
export { StorageModule } from './storage.module';
export {
  uploadKey,
  uploadPrefix,
  publishedKey,
  publishedPrefix,
  torrentKey,
  legacyTorrentKey,
  torrentPrefix,
  manifestKey,
  tusUploadDirectory,
} from './keys';
