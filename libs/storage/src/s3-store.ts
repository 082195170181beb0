import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ClientConfig,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { assertSafeKey, BlobStat, BlobStore, ByteRange } from './blob-store';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Multipart part size of puts: memory per put is partSize × PUT_QUEUE (parts in flight). */
const PART_SIZE = 8 * 1024 * 1024;
const PUT_QUEUE = 2;
/** CopyObject's limit; larger objects are copied part by part (UploadPartCopy). */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const COPY_PART = 1024 ** 3;

/** The S3 client for these options; other S3 users of the process (tus) share its settings. */
export function s3ClientConfig(options: S3StoreOptions): S3ClientConfig {
  return {
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 requires them: trailing CRC checksums (the SDK's default since 2025)
    // are unknown to many S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/**
 * BlobStore on an S3-compatible bucket. Puts stream through multipart uploads (constant memory) and
 * become visible only when complete, as S3 makes every object write atomic; a failed put aborts its
 * multipart upload. Renames copy then delete (each object atomically); deleting a prefix also aborts
 * unfinished multipart uploads below it (those of a process killed mid-put).
 */
export class S3Store implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(options: S3StoreOptions, client?: S3Client) {
    this.bucket = options.bucket;
    this.client = client ?? new S3Client(s3ClientConfig(options));
  }

  localPath(key: string): null {
    assertSafeKey(key);
    return null;
  }

  async put(key: string, body: Readable | Buffer): Promise<BlobStat> {
    assertSafeKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_SIZE,
      queueSize: PUT_QUEUE,
      leavePartsOnError: false,
    });
    await upload.done();
    const stat = await this.stat(key);
    if (!stat) throw new Error(`S3 object ${key} missing right after it was written`);
    return stat;
  }

  read(key: string, range?: ByteRange): Readable {
    assertSafeKey(key);
    const get = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Range: range ? `bytes=${range.start}-${range.end}` : undefined,
    });
    const client = this.client;
    return Readable.from(
      (async function* () {
        const { Body } = await client.send(get);
        if (!(Body instanceof Readable)) throw new Error(`S3 object ${key} has no readable body`);
        yield* Body;
      })(),
      { objectMode: false },
    );
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertSafeKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, mtime: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async rename(fromKey: string, toKey: string): Promise<void> {
    assertSafeKey(fromKey);
    assertSafeKey(toKey);
    if (!fromKey.endsWith('/')) {
      await this.copy(fromKey, toKey);
      await this.deleteKeys([fromKey]);
      return;
    }
    await this.delete(toKey);
    const keys = await this.list(fromKey);
    for (const key of keys) await this.copy(key, toKey + key.slice(fromKey.length));
    await this.deleteKeys(keys);
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    if (!key.endsWith('/')) return this.deleteKeys([key]);
    await this.abortUploads(key);
    await this.deleteKeys(await this.list(key));
  }

  /** Unfinished multipart uploads below `prefix` (none once every put has ended). */
  async pendingUploads(prefix: string): Promise<{ key: string; uploadId: string }[]> {
    const found: { key: string; uploadId: string }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) found.push({ key: u.Key, uploadId: u.UploadId });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return found;
  }

  private async abortUploads(prefix: string): Promise<void> {
    for (const u of await this.pendingUploads(prefix)) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.key, UploadId: u.uploadId }))
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length)
        throw new Error(`S3 delete failed for ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
  }

  private async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
    const stat = await this.stat(fromKey);
    if (!stat) throw Object.assign(new Error(`S3 object ${fromKey} does not exist`), { code: 'ENOENT' });
    if (stat.size <= MAX_SINGLE_COPY) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: source }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: toKey }));
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, n = 1; start < stat.size; start += COPY_PART, n++) {
        const end = Math.min(start + COPY_PART, stat.size) - 1;
        const part = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: toKey,
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: n, ETag: part.CopyPartResult?.ETag ?? '' });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: toKey,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchKey' ||
    e?.name === 'NoSuchUpload' ||
    e?.$metadata?.httpStatusCode === 404
  );
}
