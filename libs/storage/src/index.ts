export { BlobStore, BlobStat, ByteRange, BLOB_STORE, assertSafeKey } from './blob-store';
export { LocalDiskStore } from './local-disk-store';
export { S3Store, S3StoreOptions, s3ClientConfig } from './s3-store';
export { StorageModule, createBlobStore, s3StoreOptions } from './storage.module';
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
  tusObjectPrefix,
  tusObjectKey,
} from './keys';
