import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { BLOB_STORE } from './blob-store';
import { LocalDiskStore } from './local-disk-store';
import { mkdirPrivateSync } from './private-files';
import { TusUploadFiles } from './tus-upload-files';

@Global()
@Module({
  providers: [
    {
      provide: BLOB_STORE,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => {
        // The data directory holds clear uploads and the development KEK: the platform's user only.
        mkdirPrivateSync(config.DATA_DIR);
        return new LocalDiskStore(join(config.DATA_DIR, 'blobs'));
      },
    },
    {
      provide: TusUploadFiles,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => new TusUploadFiles(config.DATA_DIR),
    },
  ],
  exports: [BLOB_STORE, TusUploadFiles],
})
export class StorageModule {}
