import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Job } from 'bullmq';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { IngestJob, jobId } from '@keyseed/queues';
import { BLOB_STORE } from '@keyseed/storage';
import { choosePieceLength } from '@keyseed/torrent';
import { IngestService } from '../../apps/worker/src/ingest/ingest.service';
import { registerUser, startTestApp, TestUser } from '../helpers/test-app';
import { tusMetadata } from '../helpers/tus';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TUS = { 'Tus-Resumable': '1.0.0' };

/**
 * The piece-length rule (docs/torrent-format.md): items declare their size, the bundle's piece
 * length is chosen from the declared total when its first item starts ingesting, and an upload of
 * another length than the declared one is refused at tus creation.
 */
describe('piece length from declared sizes (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;
  let prisma: PrismaService;
  let ingest: IngestService;
  let creator: TestUser;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    // The worker's ingest, run in this process on the API's database, store and keyring.
    ingest = new IngestService(
      prisma,
      app.get(BLOB_STORE),
      app.get(KEYRING, { strict: false }),
      app.get<KeyseedConfig>(KEYSEED_CONFIG),
    );
    creator = await registerUser(app, ['CREATOR'], 'Declared Films');
  });
  afterAll(async () => app.close());

  async function draft(items: Array<{ path: string; locked?: boolean; size?: number }>) {
    const bundle = (await request(http).post('/v1/bundles').set(creator.auth).send({ title: 'Declared' }).expect(201))
      .body as { id: string };
    const view = (
      await request(http).post(`/v1/bundles/${bundle.id}/items`).set(creator.auth).send({ items }).expect(201)
    ).body as { items: Array<{ id: string; path: string; declaredSize: number | null }> };
    return { id: bundle.id, items: view.items };
  }

  const createUpload = (bundleId: string, itemId: string, length: number) =>
    request(http)
      .post('/v1/uploads')
      .set(creator.auth)
      .set(TUS)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', tusMetadata({ bundleId, itemId }));

  /** A one-request tus upload. */
  const upload = (bundleId: string, itemId: string, body: Buffer) =>
    createUpload(bundleId, itemId, body.length)
      .set('Content-Type', 'application/offset+octet-stream')
      .send(body)
      .expect(201);

  /** The worker's ingest of the item's completed upload. */
  async function runIngest(itemId: string): Promise<void> {
    const { ingestGeneration: generation } = await prisma.item.findUniqueOrThrow({ where: { id: itemId } });
    const job = {
      id: jobId.ingest({ itemId, generation }),
      data: { itemId, generation },
      attemptsMade: 0,
      updateProgress: () => Promise.resolve(),
    } as unknown as Job<IngestJob>;
    expect(await ingest.process(job)).toMatchObject({ status: 'READY' });
  }

  const pieceLengthOf = async (bundleId: string) =>
    (await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } })).pieceLength;

  it('a small trailer that finishes first gets the piece length of the declared film', async () => {
    const film = 3 * GiB;
    const trailer = randomBytes(100_000);
    const b = await draft([
      { path: 'film.mkv', size: film },
      { path: 'trailer.mp4', locked: false, size: trailer.length },
    ]);
    expect(b.items.map((i) => i.declaredSize)).toEqual([film, trailer.length]);
    // Nothing is fixed when the upload completes: the first ingest decides.
    await upload(b.id, b.items[1].id, trailer);
    expect(await pieceLengthOf(b.id)).toBeNull();
    await runIngest(b.items[1].id);
    expect(await pieceLengthOf(b.id)).toBe(choosePieceLength(film + trailer.length));
    expect(await pieceLengthOf(b.id)).toBe(4 * MiB);
  });

  it('an undeclared item counts with its upload: alone, the trailer gets small pieces', async () => {
    const trailer = randomBytes(100_000);
    const b = await draft([{ path: 'film.mkv' }, { path: 'trailer.mp4', locked: false }]);
    await upload(b.id, b.items[1].id, trailer);
    await runIngest(b.items[1].id);
    expect(await pieceLengthOf(b.id)).toBe(16 * 1024);
  });

  it('refuses an upload whose length differs from the declared size, with a 400 naming both', async () => {
    const b = await draft([{ path: 'film.mkv', size: 5000 }]);
    const wrong = await createUpload(b.id, b.items[0].id, 4999).expect(400);
    expect(wrong.body.message).toBe(
      "Upload-Length 4999 differs from the 5000 bytes declared for film.mkv: upload the declared file, or change the item's size first (PATCH its size)",
    );
    expect((await prisma.item.findUniqueOrThrow({ where: { id: b.items[0].id } })).status).toBe('AWAITING_UPLOAD');
    expect(await prisma.upload.count({ where: { itemId: b.items[0].id } })).toBe(0);

    // The declared size can change while the bundle is a draft; then that length is the one accepted.
    await request(http)
      .patch(`/v1/bundles/${b.id}/items/${b.items[0].id}`)
      .set(creator.auth)
      .send({ size: 4999 })
      .expect(200)
      .expect((res) => expect(res.body.declaredSize).toBe(4999));
    await upload(b.id, b.items[0].id, randomBytes(4999));
    await runIngest(b.items[0].id);
  });

  it('refuses to declare a size no upload could have (413 naming the field)', async () => {
    const { id } = await draft([{ path: 'a.bin' }]);
    const res = await request(http)
      .post(`/v1/bundles/${id}/items`)
      .set(creator.auth)
      .send({ items: [{ path: 'b.bin', size: 65 * GiB }] })
      .expect(413);
    expect(res.body.message).toMatch(/^items\.0\.size: a file of 69793218560 bytes exceeds the per-file limit/);
    const negative = await request(http)
      .post(`/v1/bundles/${id}/items`)
      .set(creator.auth)
      .send({ items: [{ path: 'b.bin', size: -1 }] })
      .expect(400);
    expect(JSON.stringify(negative.body.message)).toMatch(/size must not be less than 0/);
  });
});
