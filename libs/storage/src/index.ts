export { BlobStore, BlobStat, ByteRange, BLOB_STORE, assertSafeKey } from './blob-store';
export { LocalDiskStore } from './local-disk-store';
export { S3Store, S3StoreOptions, s3ClientConfig } from './s3-store';
export { StorageModule, createBlobStore, s3StoreOptions } from './storage.module';
export { TusUploadFiles } from './tus-upload-files';
export { chmodPrivate, mkdirPrivate, mkdirPrivateSync, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files';
export {
  uploadKey,
  uploadPrefix,
  stagingPrefix,
  itemTorrentPath,
  itemPublishedKey,
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
