import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { BLOB_STORE } from './blob-store';
import { LocalDiskStore } from './local-disk-store';

@Global()
@Module({
  providers: [
    {
      provide: BLOB_STORE,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => new LocalDiskStore(join(config.DATA_DIR, 'blobs')),
    },
  ],
  exports: [BLOB_STORE],
})
export class StorageModule {}
