import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { PassThrough, Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { S3Store } from '@keyseed/storage';
import { startS3Server, TestS3Server } from '../helpers/s3-server';

const MiB = 1024 * 1024;

function pattern(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 13)) & 0xff;
  return b;
}

describe('S3Store on an S3-compatible server', () => {
  let server: TestS3Server;
  let store: S3Store;
  beforeAll(async () => {
    server = await startS3Server('store-spec');
    store = new S3Store({
      bucket: server.bucket,
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(() => server.stop());

  it('streams a multipart put and reads back whole objects and inclusive ranges', async () => {
    const data = pattern(20 * MiB + 123);
    const st = await store.put('a/big.bin', Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]));
    expect(st.size).toBe(data.length);
    expect((await buffer(store.read('a/big.bin'))).equals(data)).toBe(true);
    const range = { start: 8 * MiB - 5, end: 16 * MiB + 5 };
    expect((await buffer(store.read('a/big.bin', range))).equals(data.subarray(range.start, range.end + 1))).toBe(true);
    expect(await store.stat('a/none')).toBeNull();
    expect(store.localPath('a/big.bin')).toBeNull();
  });

  it('shows nothing of a put until it completes, and a failed put leaves no object and no multipart upload', async () => {
    const body = new PassThrough();
    const put = store.put('b/partial.bin', body);
    body.write(pattern(9 * MiB));
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.stat('b/partial.bin')).toBeNull();
    body.destroy(new Error('source failed'));
    await expect(put).rejects.toThrow('source failed');
    expect(await store.stat('b/partial.bin')).toBeNull();
    expect(await store.pendingUploads('b/')).toEqual([]);
  });

  it('renames and deletes prefixes; deleting a prefix aborts the multipart uploads of a dead writer', async () => {
    await store.put('staging/x/1', Buffer.from('one'));
    await store.put('staging/x/sub/2', Buffer.from('two'));
    await store.put('published/x/old', Buffer.from('old'));
    await store.rename('staging/x/', 'published/x/');
    expect(await text(store.read('published/x/sub/2'))).toBe('two');
    expect(await store.stat('published/x/old')).toBeNull();
    expect(await store.stat('staging/x/1')).toBeNull();

    const { UploadId } = await store.client.send(
      new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: 'published/x/orphan' }),
    );
    await store.client.send(
      new UploadPartCommand({ Bucket: store.bucket, Key: 'published/x/orphan', UploadId, PartNumber: 1, Body: 'x' }),
    );
    expect(await store.pendingUploads('published/x/')).toHaveLength(1);
    await store.delete('published/x/');
    expect(await store.stat('published/x/1')).toBeNull();
    expect(await store.pendingUploads('published/x/')).toEqual([]);
    await store.delete('published/x/none');
  });

  it('refuses keys that escape the store', () => {
    expect(() => store.read('../etc/passwd')).toThrow(/unsafe storage key/);
  });
});
