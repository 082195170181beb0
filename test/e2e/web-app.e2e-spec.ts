import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { loadConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { registerUser, startTestApp } from '../helpers/test-app';

/** The web app's files as the API serves them (`npm test` builds it first: pretest → npm run build). */
describe('web app served at / (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;

  beforeAll(async () => {
    if (!existsSync(`${loadConfig().WEB_DIR}/index.html`)) throw new Error('web app not built: run npm run build');
    app = await startTestApp();
    http = app.getHttpServer();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    '/',
    '/b/some-film',
    '/library',
    '/studio',
    '/admin',
    '/account',
    '/checkout/success?order_id=x',
    '/checkout/cancel',
  ])('serves index.html for %s, revalidated, with the strict content-security-policy', async (path) => {
    const res = await request(http).get(path).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<div id="root"></div>');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('serves hashed assets as immutable', async () => {
    const js = readdirSync(`${loadConfig().WEB_DIR}/assets`).find((f) => f.endsWith('.js'))!;
    const res = await request(http).get(`/assets/${js}`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  it('leaves the JSON API and unknown paths as they were', async () => {
    const api = await request(http).get('/v1/catalog').expect(200);
    expect(api.headers['content-security-policy']).toBeUndefined();
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    const missing = await request(http).get('/no-such-page').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404 });
    await request(http).get('/assets/no-such-file.js').expect(404);
  });

  it('lists catalog bundles with their id and a free image as poster, and searches titles', async () => {
    const creator = await registerUser(app, ['CREATOR']);
    const prisma = app.get(PrismaService);
    const word = `Zebra${randomUUID().slice(0, 6)}`;
    const make = (title: string, items: { path: string; locked: boolean }[]) =>
      prisma.bundle.create({
        data: {
          slug: `web-${randomUUID().slice(0, 8)}`,
          title,
          creatorId: creator.id,
          status: 'PUBLISHED',
          pieceLength: 16384,
          publishedAt: new Date(),
          infoHashV1: randomUUID().replace(/-/g, '').padEnd(40, '0'),
          items: { create: items.map((i, position) => ({ ...i, position, status: 'READY', size: 1000n })) },
        },
      });
    const withPoster = await make(`The ${word} Crossing`, [
      { path: 'film.mkv', locked: true },
      { path: 'art/poster.jpg', locked: false },
    ]);
    await make(`Another ${word.toLowerCase()} story`, [{ path: 'film.mkv', locked: true }]);
    await make('Unrelated title', []);

    const found = await request(http).get('/v1/catalog').query({ q: word.toUpperCase(), perPage: 100 }).expect(200);
    expect(found.body.map((b: { title: string }) => b.title).sort()).toEqual(
      [`Another ${word.toLowerCase()} story`, `The ${word} Crossing`].sort(),
    );
    const card = found.body.find((b: { slug: string }) => b.slug === withPoster.slug);
    expect(card).toMatchObject({ id: withPoster.id, posterPath: 'art/poster.jpg' });
    expect(found.body.find((b: { slug: string }) => b.slug !== withPoster.slug).posterPath).toBeNull();

    const tooLong = await request(http)
      .get('/v1/catalog')
      .query({ q: 'x'.repeat(201) })
      .expect(400);
    expect(tooLong.body.message).toEqual([expect.stringMatching(/^q must be shorter than or equal to 200/)]);
  });
});
