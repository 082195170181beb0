import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from './blob-store';
import { tusObjectPrefix, tusUploadDirectory } from './keys';
import { S3Store } from './s3-store';

/**
 * The bytes tus holds of an upload in progress, as processes other than the API's tus server see
 * them (the worker's expiry and publish): `<DATA_DIR>/uploads/<id>` and `<id>.json` on local disk,
 * or `tus/<id>/…` in the bucket with the S3 driver (deleting it aborts its multipart upload).
 */
export class TusUploadFiles {
  readonly directory: string;

  constructor(
    dataDir: string,
    private readonly blobs: BlobStore,
  ) {
    this.directory = tusUploadDirectory(dataDir);
  }

  /** Removes everything tus holds of an upload; missing files are fine. */
  async remove(uploadId: string): Promise<void> {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
    if (this.blobs instanceof S3Store) {
      await this.blobs.delete(tusObjectPrefix(uploadId));
      return;
    }
    const path = join(this.directory, uploadId);
    await Promise.all([rm(path, { force: true }), rm(`${path}.json`, { force: true })]);
  }
}
