import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { S3Store as TusS3Store } from '@tus/s3-store';
import { DataStore, IoRedisKvStore } from '@tus/utils';
import type Redis from 'ioredis';
import { createReadStream } from 'node:fs';
import { access, link, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import {
  BLOB_STORE,
  BlobStore,
  mkdirPrivate,
  s3ClientConfig,
  S3Store,
  s3StoreOptions,
  tusObjectKey,
  tusObjectPrefix,
  tusUploadDirectory,
} from '@keyseed/storage';
import { PrivateFileStore } from './private-file-store';
import { RedisLocker } from './redis-locker';

/** tus part size on object stores (S3's minimum is 5 MiB; the test server accepts at most 11 MiB per request). */
const TUS_PART_SIZE = 8 * 1024 * 1024;

/**
 * Where tus keeps uploads in progress, and its locks. Local disk: @tus/file-store under
 * `<DATA_DIR>/uploads` (`<id>` bytes, `<id>.json` info). S3 driver: @tus/s3-store writing straight
 * to the bucket (`tus/<id>/file` as a multipart upload), so any API replica can resume any upload.
 * On disk, uploads in progress are private (PrivateFileStore: 0600 files in a 0700 directory).
 * Locks are in Redis either way (RedisLocker).
 */
@Injectable()
export class TusFilesService implements OnModuleDestroy {
  readonly directory: string;
  readonly datastore: DataStore;
  readonly locker: RedisLocker;
  private readonly s3: S3Store | null;
  private readonly redis: Redis;
  private readonly subscriber: Redis;

  constructor(
    @Inject(KEYSEED_CONFIG) config: KeyseedConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {
    this.directory = tusUploadDirectory(config.DATA_DIR);
    this.redis = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.subscriber = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.locker = new RedisLocker(this.redis, this.subscriber, config.REDIS_PREFIX);
    const expirationPeriodInMilliseconds = config.UPLOAD_EXPIRY_HOURS * 3_600_000;
    this.s3 = blobs instanceof S3Store ? blobs : null;
    this.datastore = this.s3
      ? new TusS3Store({
          partSize: TUS_PART_SIZE,
          expirationPeriodInMilliseconds,
          cache: new IoRedisKvStore(this.redis, `${config.REDIS_PREFIX}:tus:info:`),
          s3ClientConfig: { bucket: this.s3.bucket, ...s3ClientConfig(s3StoreOptions(config)) },
        })
      : new PrivateFileStore({ directory: this.directory, expirationPeriodInMilliseconds });
  }

  /** The tus id (and, on S3, object key) of an upload; upload ids are ours (hex), never a client path. */
  tusId(uploadId: string): string {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
    return this.s3 ? tusObjectKey(uploadId) : uploadId;
  }

  /** The upload id of a tus id. */
  uploadIdOf(tusId: string): string {
    return this.s3 ? tusId.split('/')[1] : tusId;
  }

  dataPath(uploadId: string): string {
    return join(this.directory, this.tusId(uploadId));
  }

  /** Removes everything tus holds of an upload; missing files are fine. */
  async remove(uploadId: string): Promise<void> {
    if (this.s3) {
      await this.blobs.delete(tusObjectPrefix(this.tusId(uploadId).split('/')[1]));
      return;
    }
    const path = this.dataPath(uploadId);
    await Promise.all([rm(path, { force: true }), rm(`${path}.json`, { force: true })]);
  }

  async exists(uploadId: string): Promise<boolean> {
    if (this.s3) return (await this.blobs.stat(`${this.tusId(uploadId)}.info`)) !== null;
    return access(`${this.dataPath(uploadId)}.json`).then(
      () => true,
      () => false,
    );
  }

  /** Moves a completed upload's bytes to `key` in the blob store (hard link or server-side copy). */
  async moveIntoStore(uploadId: string, key: string): Promise<void> {
    if (this.s3) {
      await this.blobs.rename(this.tusId(uploadId), key);
      return;
    }
    const source = this.dataPath(uploadId);
    const target = this.blobs.localPath(key);
    if (target) {
      // Same disk (DATA_DIR): a hard link is atomic and costs nothing.
      await mkdirPrivate(dirname(target));
      await rm(target, { force: true });
      try {
        await link(source, target);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      }
    }
    await this.blobs.put(key, createReadStream(source));
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
    this.subscriber.disconnect();
  }
}
