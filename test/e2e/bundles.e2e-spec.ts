import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { QueueName, jobId } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, legacyTorrentKey, torrentKey, uploadKey } from '@keyseed/storage';
import { createAdminUser, registerUser, startTestApp, TestUser } from '../helpers/test-app';

describe('bundles, catalog and moderation (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;
  let prisma: PrismaService;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    a = await registerUser(app, ['CREATOR'], 'Studio A');
    b = await registerUser(app, ['CREATOR'], 'Studio B');
  });
  afterAll(async () => app.close());

  const createBundle = async (user: TestUser, body: object = { title: 'The Long Take' }) =>
    (await request(http).post('/v1/bundles').set(user.auth).send(body).expect(201)).body;

  it('creates drafts with unique URL-safe slugs and lists them newest first', async () => {
    const first = await createBundle(a, { title: 'Amélie à Paris!', description: 'A film', pieceLength: 262144 });
    const second = await createBundle(a, { title: 'Amélie à Paris!' });
    expect(first).toMatchObject({
      slug: expect.stringMatching(/^amelie-a-paris/),
      status: 'DRAFT',
      pieceLength: 262144,
      items: [],
    });
    expect(second.slug).not.toBe(first.slug);
    expect(second.slug).toMatch(/^amelie-a-paris-\d+$/);
    const list = await request(http).get('/v1/bundles?perPage=1').set(a.auth).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).toEqual([second.id]);
  });

  it('rejects a piece length that is not a power of two in 16 KiB..16 MiB, naming the field', async () => {
    for (const pieceLength of [3000000, 8192, 32 * 1024 * 1024]) {
      const res = await request(http).post('/v1/bundles').set(a.auth).send({ title: 'x', pieceLength }).expect(400);
      expect(res.body.message).toEqual([
        `pieceLength must be a power of two between 16 KiB (16384) and 16 MiB (16777216), got ${pieceLength}`,
      ]);
    }
  });

  it('adds, renames, reorders and configures items; rejects unsafe and colliding paths with the field named', async () => {
    const bundle = await createBundle(a);
    const added = await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({
        items: [
          { path: 'film.mkv' },
          { path: 'extras/trailer.mp4', locked: false },
          { path: 'Amélie.srt', previewPieces: 2 },
        ],
      })
      .expect(201);
    expect(
      added.body.items.map((i: { path: string; locked: boolean; status: string }) => [i.path, i.locked, i.status]),
    ).toEqual([
      ['film.mkv', true, 'AWAITING_UPLOAD'],
      ['extras/trailer.mp4', false, 'AWAITING_UPLOAD'],
      ['Amélie.srt', true, 'AWAITING_UPLOAD'],
    ]);

    for (const [path, why] of [
      ['../escape', /"\.\."/],
      ['/etc/passwd', /relative/],
      ['a//b', /empty segments/],
      ['a\u0007b', /control/],
      ['a\\b', /backslashes/],
      ['keyseed.json', /reserved/],
      ['.pad/1', /reserved/],
      ['', /non-empty/],
    ] as const) {
      const res = await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(a.auth)
        .send({ items: [{ path: 'ok.txt' }, { path }] })
        .expect(400);
      expect(res.body.message).toEqual([expect.stringMatching(new RegExp(`^items\\.1\\.path .*${why.source}`))]);
    }
    const nfd = await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({ items: [{ path: 'Ame\u0301lie.srt' }] })
      .expect(400);
    expect(nfd.body.message[0]).toMatch(/^items\.0\.path .*collides with existing item "Amélie.srt"/);
    const dup = await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({ items: [{ path: 'x.mkv' }, { path: 'X.mkv' }] })
      .expect(400);
    expect(dup.body.message[0]).toMatch(/^items\.1\.path/);
    await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({ items: [{ path: 'y.mkv', previewPieces: -1 }] })
      .expect(400);

    const [film, trailer, srt] = added.body.items;
    const renamed = await request(http)
      .patch(`/v1/bundles/${bundle.id}/items/${srt.id}`)
      .set(a.auth)
      .send({ path: 'subs/fr.srt', locked: false, previewPieces: 0 })
      .expect(200);
    expect(renamed.body).toMatchObject({ path: 'subs/fr.srt', locked: false });
    await request(http)
      .patch(`/v1/bundles/${bundle.id}/items/${srt.id}`)
      .set(a.auth)
      .send({ path: 'film.mkv' })
      .expect(400);
    const reordered = await request(http)
      .put(`/v1/bundles/${bundle.id}/items/order`)
      .set(a.auth)
      .send({ itemIds: [srt.id, film.id, trailer.id] })
      .expect(200);
    expect(reordered.body.items.map((i: { path: string }) => i.path)).toEqual([
      'subs/fr.srt',
      'film.mkv',
      'extras/trailer.mp4',
    ]);
    await request(http)
      .put(`/v1/bundles/${bundle.id}/items/order`)
      .set(a.auth)
      .send({ itemIds: [srt.id, film.id] })
      .expect(400);

    const edited = await request(http)
      .patch(`/v1/bundles/${bundle.id}`)
      .set(a.auth)
      .send({ title: 'New title', description: 'd' })
      .expect(200);
    expect(edited.body).toMatchObject({ title: 'New title', description: 'd', slug: bundle.slug });
  });

  it("keeps creators out of each other's bundles and buyers off creator routes", async () => {
    const bundle = await createBundle(a);
    const buyer = await registerUser(app, ['BUYER']);
    await request(http).get(`/v1/bundles/${bundle.id}`).set(b.auth).expect(403);
    await request(http).patch(`/v1/bundles/${bundle.id}`).set(b.auth).send({ title: 'mine now' }).expect(403);
    await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(b.auth)
      .send({ items: [{ path: 'x' }] })
      .expect(403);
    await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(b.auth).expect(403);
    await request(http).delete(`/v1/bundles/${bundle.id}`).set(b.auth).expect(403);
    await request(http).get('/v1/bundles/00000000-0000-4000-8000-000000000000').set(b.auth).expect(404);
    await request(http).get('/v1/bundles').set(buyer.auth).expect(403);
    await request(http).post('/v1/bundles').set(buyer.auth).send({ title: 'x' }).expect(403);
    await request(http).get(`/v1/bundles/${bundle.id}`).expect(401);
    const admin = await createAdminUser(app);
    await request(http).get(`/v1/bundles/${bundle.id}`).set(admin.auth).expect(200);
  });

  it('refuses to publish without items, and lists the items that are not READY', async () => {
    const bundle = await createBundle(a);
    const empty = await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(a.auth).expect(409);
    expect(empty.body.message).toMatch(/no items/);
    const withItems = await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({ items: [{ path: 'a.mkv' }, { path: 'b.mkv' }] })
      .expect(201);
    await prisma.item.update({
      where: { id: withItems.body.items[0].id },
      data: { status: 'READY', size: 10n, progress: 1 },
    });
    await prisma.item.update({
      where: { id: withItems.body.items[1].id },
      data: { status: 'INGESTING', size: 1000n, progress: 0.25, bytesPerSecond: 250 },
    });
    const progress = await request(http).get(`/v1/bundles/${bundle.id}`).set(a.auth).expect(200);
    expect(progress.body.items[1]).toMatchObject({
      status: 'INGESTING',
      progressPercent: 25,
      bytesPerSecond: 250,
      etaSeconds: 3,
    });
    const res = await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(a.auth).expect(409);
    expect(res.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      items: [{ path: 'b.mkv', status: 'INGESTING' }],
    });
    expect(res.body.message).toMatch(/b\.mkv \(INGESTING\)/);
  });

  it('publishes (202 + publish job), then freezes edits; unlist/relist; catalog and torrents follow the status', async () => {
    const bundle = await createBundle(a, { title: 'Catalog Film', description: 'public' });
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(a.auth)
        .send({ items: [{ path: 'film.mkv', previewPieces: 1 }] })
        .expect(201)
    ).body.items;
    await prisma.item.update({ where: { id: items[0].id }, data: { status: 'READY', size: 2048n, progress: 1 } });

    // Drafts are hidden from everyone but the owner and admins.
    const buyer = await registerUser(app, ['BUYER']);
    await request(http).get(`/v1/catalog/${bundle.slug}`).expect(404);
    await request(http).get(`/v1/catalog/${bundle.slug}`).set(buyer.auth).expect(404);
    await request(http).get(`/v1/catalog/${bundle.slug}`).set(b.auth).expect(404);
    const own = await request(http).get(`/v1/catalog/${bundle.slug}`).set(a.auth).expect(200);
    expect(own.body).toMatchObject({ status: 'DRAFT', torrents: null, magnet: null });
    const admin = await createAdminUser(app);
    await request(http).get(`/v1/catalog/${bundle.slug}`).set(admin.auth).expect(200);

    const accepted = await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(a.auth).expect(202);
    expect(accepted.body).toEqual({
      id: bundle.id,
      status: 'PUBLISHING',
      jobId: jobId.publish({ bundleId: bundle.id }),
    });
    const queue = app.get<Queue>(getQueueToken(QueueName.Publish));
    expect((await queue.getJob(jobId.publish({ bundleId: bundle.id })))?.data).toEqual({ bundleId: bundle.id });
    await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(a.auth).expect(409);
    await request(http).patch(`/v1/bundles/${bundle.id}`).set(a.auth).send({ title: 'late' }).expect(409);
    await request(http)
      .post(`/v1/bundles/${bundle.id}/items`)
      .set(a.auth)
      .send({ items: [{ path: 'late.mkv' }] })
      .expect(409);
    await request(http).delete(`/v1/bundles/${bundle.id}`).set(a.auth).expect(409);

    // What the publish job does (another engineer's worker): hashes, magnet, stored torrents.
    const blobs = app.get<BlobStore>(BLOB_STORE);
    await blobs.put(torrentKey(bundle.id, bundle.slug), Buffer.from('d4:infod4:name4:testee'));
    await blobs.put(legacyTorrentKey(bundle.id, bundle.slug), Buffer.from('d4:infod4:name2:v1ee'));
    await prisma.bundle.update({
      where: { id: bundle.id },
      data: {
        status: 'PUBLISHED',
        publishedAt: new Date(),
        infoHashV1: 'a'.repeat(40),
        infoHashV2: 'b'.repeat(64),
        infoHashV1Legacy: 'c'.repeat(40),
        magnet: 'magnet:?xt=urn:btih:' + 'a'.repeat(40),
        priceAmount: 900,
        priceCurrency: 'eur',
      },
    });

    const page = await request(http).get(`/v1/catalog/${bundle.slug}`).expect(200);
    expect(page.body).toMatchObject({
      slug: bundle.slug,
      title: 'Catalog Film',
      creator: { displayName: 'Studio A' },
      status: 'PUBLISHED',
      price: { amount: 900, currency: 'eur', minimum: null },
      items: [{ path: 'film.mkv', torrentPath: 'film.mkv.locked', size: 2048, locked: true, previewPieces: 1 }],
      infoHashV1: 'a'.repeat(40),
      infoHashV2: 'b'.repeat(64),
      infoHashV1Legacy: 'c'.repeat(40),
      swarm: { seeders: 0, leechers: 0, completed: 0 },
      torrents: {
        hybrid: {
          url: expect.stringMatching(new RegExp(`/v1/catalog/${bundle.slug}/torrent$`)),
          useWith: expect.stringMatching(/qBittorrent/),
        },
        v1: {
          url: expect.stringMatching(/\?format=v1$/),
          infoHashV1: 'c'.repeat(40),
          useWith: expect.stringMatching(/Transmission/),
        },
      },
    });
    expect(page.body.creatorId).toBeUndefined();
    const list = await request(http).get('/v1/catalog?perPage=100').expect(200);
    expect(list.body.map((x: { slug: string }) => x.slug)).toContain(bundle.slug);

    const hybrid = await request(http)
      .get(`/v1/catalog/${bundle.slug}/torrent`)
      .buffer(true)
      .parse(rawBody)
      .expect(200);
    expect(hybrid.headers['content-type']).toBe('application/x-bittorrent');
    expect(hybrid.headers['content-disposition']).toBe(`attachment; filename="${bundle.slug}.torrent"`);
    expect(hybrid.body.toString()).toBe('d4:infod4:name4:testee');
    const legacy = await request(http)
      .get(`/v1/catalog/${bundle.slug}/torrent?format=v1`)
      .buffer(true)
      .parse(rawBody)
      .expect(200);
    expect(legacy.body.toString()).toBe('d4:infod4:name2:v1ee');
    await request(http).get(`/v1/catalog/${bundle.slug}/torrent/v1`).expect(200);
    await request(http).get(`/v1/catalog/${bundle.slug}/torrent?format=v3`).expect(400);

    // Unlisted: out of the listing, still reachable by slug; relist puts it back.
    await request(http).post(`/v1/bundles/${bundle.id}/unlist`).set(a.auth).expect(200);
    expect(
      (await request(http).get('/v1/catalog?perPage=100').expect(200)).body.map((x: { slug: string }) => x.slug),
    ).not.toContain(bundle.slug);
    await request(http).get(`/v1/catalog/${bundle.slug}`).expect(200);
    await request(http).post(`/v1/bundles/${bundle.id}/unlist`).set(a.auth).expect(200); // idempotent
    await request(http).post(`/v1/bundles/${bundle.id}/relist`).set(a.auth).expect(200);

    // Takedown hides it (page and torrents) from everyone but owner and admins; restore brings it back.
    await request(http)
      .post(`/v1/admin/bundles/${bundle.id}/takedown`)
      .set(a.auth)
      .send({ reason: 'nope' })
      .expect(403);
    const down = await request(http)
      .post(`/v1/admin/bundles/${bundle.id}/takedown`)
      .set(admin.auth)
      .send({ reason: 'DMCA notice 42' })
      .expect(200);
    expect(down.body).toMatchObject({ status: 'TAKEN_DOWN', takedownReason: 'DMCA notice 42' });
    await request(http).get(`/v1/catalog/${bundle.slug}`).expect(404);
    await request(http).get(`/v1/catalog/${bundle.slug}/torrent`).set(buyer.auth).expect(404);
    await request(http).get(`/v1/catalog/${bundle.slug}`).set(a.auth).expect(200);
    await request(http).post(`/v1/bundles/${bundle.id}/relist`).set(a.auth).expect(409);
    await request(http).post(`/v1/bundles/${bundle.id}/unlist`).set(a.auth).expect(409);
    const restored = await request(http).post(`/v1/admin/bundles/${bundle.id}/restore`).set(admin.auth).expect(200);
    expect(restored.body.status).toBe('PUBLISHED');
    await request(http).get(`/v1/catalog/${bundle.slug}`).expect(200);
    const audit = await prisma.auditLog.findMany({ where: { targetId: bundle.id }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((e) => [e.action, e.actorId])).toEqual([
      ['bundle.takedown', admin.id],
      ['bundle.restore', admin.id],
    ]);
  });

  it('deletes a draft with its stored files', async () => {
    const bundle = await createBundle(a);
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(a.auth)
        .send({ items: [{ path: 'f.bin' }] })
        .expect(201)
    ).body.items;
    const blobs = app.get<BlobStore>(BLOB_STORE);
    await blobs.put(uploadKey(items[0].id, 1), Buffer.from('data'));
    await request(http).delete(`/v1/bundles/${bundle.id}`).set(a.auth).expect(204);
    expect(await blobs.stat(uploadKey(items[0].id, 1))).toBeNull();
    await request(http).get(`/v1/bundles/${bundle.id}`).set(a.auth).expect(404);
  });
});

/** supertest parser that keeps the body as raw bytes (the .torrent). */
const rawBody = ((res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}) as unknown as Parameters<request.Test['parse']>[0];
