import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { BLOB_STORE, BlobStore } from './blob-store';
import { LocalDiskStore } from './local-disk-store';
import { mkdirPrivateSync } from './private-files';
import { S3Store } from './s3-store';
import { TusUploadFiles } from './tus-upload-files';

/** The blob store of `STORAGE_DRIVER`: the local disk (default) or an S3-compatible bucket. */
export function createBlobStore(config: KeyseedConfig): BlobStore {
  // The data directory holds clear uploads in progress and the development KEK: the platform's user only.
  mkdirPrivateSync(config.DATA_DIR);
  if (config.STORAGE_DRIVER === 's3') return new S3Store(s3StoreOptions(config));
  return new LocalDiskStore(join(config.DATA_DIR, 'blobs'));
}

export function s3StoreOptions(config: KeyseedConfig) {
  return {
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
  };
}

@Global()
@Module({
  providers: [
    { provide: BLOB_STORE, inject: [KEYSEED_CONFIG], useFactory: createBlobStore },
    {
      provide: TusUploadFiles,
      inject: [KEYSEED_CONFIG, BLOB_STORE],
      useFactory: (config: KeyseedConfig, blobs: BlobStore) => new TusUploadFiles(config.DATA_DIR, blobs),
    },
  ],
  exports: [BLOB_STORE, TusUploadFiles],
})
export class StorageModule {}
