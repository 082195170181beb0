import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import request from 'supertest';
import type { App } from 'supertest/types';
import * as tus from 'tus-js-client';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { HousekeepingJob, jobId, QueueName, RedisAvailability } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, tusUploadDirectory, TusUploadFiles, uploadKey } from '@keyseed/storage';
import { ExpireUploadsService } from '../../apps/worker/src/housekeeping/expire-uploads.service';
import { HousekeepingProcessor } from '../../apps/worker/src/housekeeping/housekeeping.processor';
import { registerUser, startTestApp, TestUser } from '../helpers/test-app';
import { tusMetadata } from '../helpers/tus';

const MiB = 1024 * 1024;
const LIMITS = { MAX_UPLOAD_BYTES: String(8 * MiB), CREATOR_QUOTA_BYTES: String(12 * MiB) };
const TUS = { 'Tus-Resumable': '1.0.0' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function until(check: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}

describe('tus uploads (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;
  let endpoint: string;
  let prisma: PrismaService;
  let a: TestUser;
  let b: TestUser;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries(LIMITS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    app = await startTestApp();
    await app.listen(0, '127.0.0.1');
    http = app.getHttpServer();
    endpoint = `${await app.getUrl()}/v1/uploads`.replace('[::1]', '127.0.0.1');
    prisma = app.get(PrismaService);
    a = await registerUser(app, ['CREATOR'], 'Studio A');
    b = await registerUser(app, ['CREATOR'], 'Studio B');
  });
  afterAll(async () => {
    await app.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function draftWithItem(user: TestUser, path = 'film.bin') {
    const bundle = (await request(http).post('/v1/bundles').set(user.auth).send({ title: 'Upload Test' }).expect(201))
      .body;
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(user.auth)
        .send({ items: [{ path }] })
        .expect(201)
    ).body.items;
    return { bundle, item: items[0] as { id: string } };
  }

  const create = (user: TestUser, metadata: Record<string, string>, length: number) =>
    request(http)
      .post('/v1/uploads')
      .set(user.auth)
      .set(TUS)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', tusMetadata(metadata));

  const uploadIdOf = (location: string) => location.split('/').pop()!;

  it('answers tus discovery without a token', async () => {
    const res = await request(http).options('/v1/uploads').expect(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(res.headers['tus-extension']).toMatch(/creation.*termination.*expiration/);
    expect(res.headers['tus-extension']).not.toMatch(/defer-length/);
    expect(res.headers['tus-max-size']).toBe(LIMITS.MAX_UPLOAD_BYTES);
  });

  it('uploads in chunks with tus-js-client, survives an abort, resumes from the server offset, stores the exact bytes and queues the ingest', async () => {
    const { bundle, item } = await draftWithItem(a);
    const source = randomBytes(3 * MiB);
    const options = {
      chunkSize: 256 * 1024,
      headers: a.auth,
      retryDelays: null,
      metadata: { bundleId: bundle.id, itemId: item.id, filename: 'film.bin' },
    };

    // First attempt: cut off once half the bytes are sent.
    const first = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(source, {
        ...options,
        endpoint,
        onProgress: (sent) => {
          if (sent >= source.length / 2) void upload.abort().then(() => resolve(upload.url!));
        },
        onSuccess: () => reject(new Error('upload should have been aborted')),
        onError: reject,
      });
      upload.start();
    });
    const head = await request(http).head(new URL(first).pathname).set(a.auth).set(TUS).expect(200);
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(source.length);
    expect(head.headers['upload-length']).toBe(String(source.length));
    expect((await prisma.item.findUniqueOrThrow({ where: { id: item.id } })).status).toBe('UPLOADING');

    // Second attempt: resume the stored upload URL; it must continue at the server's offset, not re-create.
    const requests: Array<{ method: string; offset?: string }> = [];
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(source, {
        ...options,
        uploadUrl: first,
        onBeforeRequest: (req) => {
          requests.push({ method: req.getMethod(), offset: req.getHeader('Upload-Offset') });
        },
        onSuccess: () => resolve(),
        onError: reject,
      }).start();
    });
    expect(requests[0].method).toBe('HEAD');
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    expect(requests.find((r) => r.method === 'PATCH')?.offset).toBe(String(offset));

    const stored = await prisma.item.findUniqueOrThrow({ where: { id: item.id } });
    expect(stored).toMatchObject({
      status: 'QUEUED',
      size: BigInt(source.length),
      uploadKey: uploadKey(item.id, 1),
      ingestGeneration: 1,
    });
    const blobs = app.get<BlobStore>(BLOB_STORE);
    expect(sha256(await buffer(blobs.read(uploadKey(item.id, 1))))).toBe(sha256(source));
    const ingest = app.get<Queue>(getQueueToken(QueueName.Ingest));
    expect((await ingest.getJob(jobId.ingest({ itemId: item.id, generation: 1 })))?.data).toEqual({
      itemId: item.id,
      generation: 1,
    });
    // The piece length is fixed by the first ingest (the worker), not by the upload.
    expect((await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } })).pieceLength).toBeNull();
    expect(await prisma.upload.findUniqueOrThrow({ where: { id: uploadIdOf(first) } })).toMatchObject({
      completedAt: expect.any(Date),
    });
    const tusDir = tusUploadDirectory(app.get<KeyseedConfig>(KEYSEED_CONFIG).DATA_DIR);
    // tus's own copy is released right after its response.
    await until(() => !existsSync(join(tusDir, uploadIdOf(first))));
    // A client whose last PATCH lost its answer asks HEAD again: the upload is whole, not gone.
    const whole = await request(http).head(new URL(first).pathname).set(a.auth).set(TUS).expect(200);
    expect(whole.headers['upload-offset']).toBe(String(source.length));
    expect(whole.headers['upload-length']).toBe(String(source.length));

    // A replacement (creation-with-upload, by path) becomes generation 2 with its own ingest job.
    const again = await create(a, { bundleId: bundle.id, path: 'film.bin' }, 5)
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.from('hello'))
      .expect(201);
    expect(again.headers['upload-offset']).toBe('5');
    expect(await prisma.item.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({
      status: 'QUEUED',
      size: 5n,
      uploadKey: uploadKey(item.id, 2),
      ingestGeneration: 2,
    });
    expect(await ingest.getJob(jobId.ingest({ itemId: item.id, generation: 2 }))).toBeDefined();
    expect(await blobs.stat(uploadKey(item.id, 1))).toBeNull();
  });

  it('refuses files over the size limit and uploads over the creator quota with 413 and a reason', async () => {
    const c = await registerUser(app, ['CREATOR']);
    const { bundle, item } = await draftWithItem(c);
    const tooBig = await create(c, { bundleId: bundle.id, itemId: item.id }, 9 * MiB).expect(413);
    expect(tooBig.body.message).toMatch(/exceeds the per-file limit of 8388608 bytes/);

    await create(c, { bundleId: bundle.id, itemId: item.id }, 7 * MiB).expect(201);
    const second = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(c.auth)
        .send({ items: [{ path: 'two.bin' }] })
        .expect(201)
    ).body.items[1];
    const over = await create(c, { bundleId: bundle.id, itemId: second.id }, 6 * MiB).expect(413);
    expect(over.body).toMatchObject({
      statusCode: 413,
      message: expect.stringMatching(/quota: 7340032 of 12582912 bytes used/),
    });
    // Replacing the first item's upload does not count the upload it replaces.
    await create(c, { bundleId: bundle.id, itemId: item.id }, 8 * MiB).expect(201);
    expect(await prisma.upload.count({ where: { itemId: item.id } })).toBe(1);
  });

  it('keeps other creators, buyers and anonymous callers away from an upload', async () => {
    const { bundle, item } = await draftWithItem(a);
    const res = await create(a, { bundleId: bundle.id, itemId: item.id }, 1000).expect(201);
    const path = new URL(res.headers.location).pathname;
    const buyer = await registerUser(app, ['BUYER']);

    await create(b, { bundleId: bundle.id, itemId: item.id }, 10).expect(403);
    await create(buyer, { bundleId: bundle.id, itemId: item.id }, 10).expect(403);
    await request(http).head(path).set(b.auth).set(TUS).expect(403);
    await request(http)
      .patch(path)
      .set(b.auth)
      .set(TUS)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(10))
      .expect(403);
    await request(http).delete(path).set(b.auth).set(TUS).expect(403);
    await request(http).head(path).set(TUS).expect(401);
    await request(http).head('/v1/uploads/0123456789abcdef0123456789abcdef').set(a.auth).set(TUS).expect(404);
    await create(a, { bundleId: bundle.id, itemId: '00000000-0000-4000-8000-000000000000' }, 10).expect(404);
    await create(a, { bundleId: bundle.id }, 10).expect(400);
    expect(Number((await request(http).head(path).set(a.auth).set(TUS).expect(200)).headers['upload-offset'])).toBe(0);

    // The owner terminates it: row and file gone, item back to AWAITING_UPLOAD.
    await request(http).delete(path).set(a.auth).set(TUS).expect(204);
    expect(await prisma.upload.findUnique({ where: { id: uploadIdOf(path) } })).toBeNull();
    expect((await prisma.item.findUniqueOrThrow({ where: { id: item.id } })).status).toBe('AWAITING_UPLOAD');
    await request(http).head(path).set(a.auth).set(TUS).expect(404);

    // Nothing can be uploaded to a bundle that is no longer a draft.
    await prisma.bundle.update({ where: { id: bundle.id }, data: { status: 'PUBLISHING' } });
    await create(a, { bundleId: bundle.id, itemId: item.id }, 10).expect(409);
  });

  it('expires abandoned uploads through the housekeeping processor', async () => {
    const { bundle, item } = await draftWithItem(a);
    const res = await create(a, { bundleId: bundle.id, itemId: item.id }, 100)
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(40))
      .expect(201);
    const id = uploadIdOf(res.headers.location);
    expect(res.headers['upload-expires']).toBeDefined();
    const config = app.get<KeyseedConfig>(KEYSEED_CONFIG);
    const file = join(tusUploadDirectory(config.DATA_DIR), id);
    expect(existsSync(file)).toBe(true);

    // Only expire-uploads is exercised here; the other kinds' services are not needed.
    const processor = new HousekeepingProcessor(
      new ExpireUploadsService(prisma, config, app.get<BlobStore>(BLOB_STORE), app.get(TusUploadFiles)),
      null as unknown as ConstructorParameters<typeof HousekeepingProcessor>[1],
      app.get(RedisAvailability),
      null as unknown as ConstructorParameters<typeof HousekeepingProcessor>[3],
      null as unknown as ConstructorParameters<typeof HousekeepingProcessor>[4],
    );
    const job = (data: HousekeepingJob) => ({ data }) as Job<HousekeepingJob>;
    expect(await processor.process(job({ kind: 'expire-uploads' }))).toMatchObject({ expired: 0 });
    expect(existsSync(file)).toBe(true);

    await prisma.upload.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await processor.process(job({ kind: 'expire-uploads' }))).toMatchObject({ expired: 1 });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.json`)).toBe(false);
    expect(await prisma.upload.findUnique({ where: { id } })).toBeNull();
    expect((await prisma.item.findUniqueOrThrow({ where: { id: item.id } })).status).toBe('AWAITING_UPLOAD');
    await request(http).head(`/v1/uploads/${id}`).set(a.auth).set(TUS).expect(404);
  });
});
