import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { startTestApp } from '../helpers/test-app';
import { createPublishedBundle, PublishedFixture, webseedUrl } from '../helpers/published-bundle';

/** supertest parser that keeps the body as raw bytes. */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('webseed (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;
  let fx: PublishedFixture;
  let film: Buffer;
  const FILM = 'film.mkv.locked';
  const POSTER = 'extras/poster + art é.jpg';

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    fx = await createPublishedBundle(app);
    film = fx.files.get(FILM)!;
  });
  afterAll(async () => app.close());

  const get = (path: string) => request(http).get(path).buffer(true).parse(binary);

  it('serves a whole published file with validators and Accept-Ranges', async () => {
    const res = await get(webseedUrl(fx.slug, FILM)).expect(200);
    expect(Buffer.compare(res.body, film)).toBe(0);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-length']).toBe(String(film.length));
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers['last-modified']).toBeDefined();
    expect(res.headers['content-type']).toBe('application/octet-stream');
  });

  it('answers single ranges with 206 and Content-Range: first byte, open, suffix, clamped end', async () => {
    const size = film.length;
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=65536-131071', 65536, 131071],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=-${size + 5}`, 0, size - 1],
      [`bytes=100-${size + 1000}`, 100, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(webseedUrl(fx.slug, FILM)).set('Range', range).expect(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(Buffer.compare(res.body, film.subarray(start, end + 1))).toBe(0);
    }
  });

  it('answers ranges past the end with 416 and Content-Range: bytes */size', async () => {
    for (const range of [`bytes=${film.length}-`, `bytes=${film.length + 1}-${film.length + 9}`, 'bytes=-0']) {
      const res = await request(http).get(webseedUrl(fx.slug, FILM)).set('Range', range).expect(416);
      expect(res.headers['content-range']).toBe(`bytes */${film.length}`);
    }
  });

  it('ignores malformed, inverted, other-unit and multiple ranges (200, whole file)', async () => {
    for (const range of ['bytes=abc', 'bytes=5-2', 'items=0-1', 'bytes=0-1,4-5', 'bytes=-', 'bytes 0-1']) {
      const res = await get(webseedUrl(fx.slug, FILM)).set('Range', range).expect(200);
      expect(res.body.length).toBe(film.length);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await request(http).head(webseedUrl(fx.slug, FILM)).set('Range', 'bytes=10-19').expect(206);
    expect(res.headers['content-length']).toBe('10');
    expect(res.headers['content-range']).toBe(`bytes 10-19/${film.length}`);
    expect(res.text ?? '').toBe('');
    const whole = await request(http).head(webseedUrl(fx.slug, 'keyseed.json')).expect(200);
    expect(whole.headers['content-length']).toBe(String(fx.files.get('keyseed.json')!.length));
  });

  it('answers If-None-Match with 304 and honours If-Range', async () => {
    const first = await request(http).head(webseedUrl(fx.slug, FILM)).expect(200);
    const etag = first.headers.etag;
    await request(http).get(webseedUrl(fx.slug, FILM)).set('If-None-Match', etag).expect(304);
    await request(http).get(webseedUrl(fx.slug, FILM)).set('If-None-Match', `W/${etag}`).expect(304);
    await request(http)
      .get(webseedUrl(fx.slug, FILM))
      .set('If-Modified-Since', first.headers['last-modified'])
      .expect(304);
    await get(webseedUrl(fx.slug, FILM)).set('If-None-Match', '"other"').expect(200);
    const ok = await get(webseedUrl(fx.slug, FILM)).set('Range', 'bytes=0-9').set('If-Range', etag).expect(206);
    expect(ok.body.length).toBe(10);
    const stale = await get(webseedUrl(fx.slug, FILM)).set('Range', 'bytes=0-9').set('If-Range', '"stale"').expect(200);
    expect(stale.body.length).toBe(film.length);
  });

  it('serves BEP 47 pad files as zeros, bounded', async () => {
    const res = await get(`/webseed/${fx.slug}/.pad/12345`).expect(200);
    expect(res.body.length).toBe(12345);
    expect(res.body.every((b: number) => b === 0)).toBe(true);
    const part = await get(`/webseed/${fx.slug}/.pad/1000`).set('Range', 'bytes=990-').expect(206);
    expect(part.body.length).toBe(10);
    await request(http).get(`/webseed/${fx.slug}/.pad/${fx.pieceLength}`).expect(404); // a pad is always shorter than a piece
    await request(http)
      .get(`/webseed/${fx.slug}/.pad/${17 * 1024 * 1024}`)
      .expect(404);
    await request(http).get(`/webseed/${fx.slug}/.pad/0`).expect(404);
    await request(http).get(`/webseed/${fx.slug}/.pad/-1`).expect(404);
    await request(http).get('/webseed/no-such-bundle/.pad/100').expect(404);
  });

  it('decodes percent-encoding per component in upper and lower hex, and keeps + as a plus', async () => {
    const poster = fx.files.get(POSTER)!;
    for (const url of [
      webseedUrl(fx.slug, POSTER),
      webseedUrl(fx.slug, POSTER, true),
      `/webseed/${fx.slug}/extras/poster%20+%20art%20%c3%a9.jpg`,
    ]) {
      const res = await get(url).expect(200);
      expect(Buffer.compare(res.body, poster)).toBe(0);
    }
    // '+' must not be read as a space
    await request(http).get(`/webseed/${fx.slug}/extras/poster+%2B+art+%C3%A9.jpg`).expect(404);
  });

  it('refuses traversal, encoded separators, NUL and backslashes', async () => {
    const bad = [
      `/webseed/${fx.slug}/%2e%2e/%2e%2e/etc/passwd`,
      `/webseed/${fx.slug}/..%2F..%2Fetc%2Fpasswd`,
      `/webseed/${fx.slug}/extras%2Fposter%20%2B%20art%20%C3%A9.jpg`,
      `/webseed/${fx.slug}/extras%5Cposter.jpg`,
      `/webseed/${fx.slug}/film.mkv.locked%00`,
      `/webseed/${fx.slug}/%E0%A4%A`,
      `/webseed/${fx.slug}//film.mkv.locked`,
      `/webseed/${fx.slug}/./film.mkv.locked`,
    ];
    for (const url of bad) {
      const res = await request(http).get(url);
      expect({ url, status: [400, 404].includes(res.status) }).toEqual({ url, status: true });
    }
    // The plaintext name of a locked item is not a published file.
    await request(http).get(webseedUrl(fx.slug, 'film.mkv')).expect(404);
    // Storage keys of other objects are unreachable through the webseed.
    await request(http)
      .get(`/webseed/${fx.slug}/..%2F..%2Ftorrents%2F${fx.bundleId}%2F${fx.slug}.torrent`)
      .expect((r) => expect([400, 404]).toContain(r.status));
  });

  it('serves unlisted bundles but not drafts, bundles being published or taken down', async () => {
    const unlisted = await createPublishedBundle(app, {
      status: 'UNLISTED',
      items: [{ path: 'a.bin', locked: false, size: 1000 }],
    });
    await request(http).get(webseedUrl(unlisted.slug, 'a.bin')).expect(200);
    for (const status of ['DRAFT', 'PUBLISHING', 'TAKEN_DOWN'] as const) {
      const other = await createPublishedBundle(app, { status, items: [{ path: 'a.bin', locked: false, size: 1000 }] });
      const res = await request(http).get(webseedUrl(other.slug, 'a.bin')).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404 });
      await request(http).get(webseedUrl(other.slug, 'keyseed.json')).expect(404);
    }
  });

  it('stops serving a bundle within seconds of its takedown', async () => {
    const b = await createPublishedBundle(app, { items: [{ path: 'a.bin', locked: false, size: 1000 }] });
    await request(http).get(webseedUrl(b.slug, 'a.bin')).expect(200);
    await app.get(PrismaService).bundle.update({ where: { id: b.bundleId }, data: { status: 'TAKEN_DOWN' } });
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await request(http).get(webseedUrl(b.slug, 'a.bin'))).status;
    }
    expect(status).toBe(404);
  });

  it('pipelines several ranged GETs on one keep-alive connection, Host without port', async () => {
    const server = app.getHttpServer();
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const { connect } = await import('node:net');
    const sock = connect(port, '127.0.0.1');
    const path = webseedUrl(fx.slug, FILM);
    const ranges = [
      [0, 65535],
      [65536, 131071],
      [1_000_000, 1_065_535],
    ];
    sock.write(
      ranges.map(([a, b]) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=${a}-${b}\r\n\r\n`).join(''),
    );
    const chunks: Buffer[] = [];
    // Complete once every response's head and Content-Length body have arrived.
    const parse = (all: Buffer): { head: string; body: Buffer }[] | null => {
      const out = [];
      let at = 0;
      for (let i = 0; i < ranges.length; i++) {
        const headEnd = all.indexOf('\r\n\r\n', at);
        if (headEnd < 0) return null;
        const head = all.subarray(at, headEnd).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        if (all.length < headEnd + 4 + length) return null;
        out.push({ head, body: all.subarray(headEnd + 4, headEnd + 4 + length) });
        at = headEnd + 4 + length;
      }
      return out;
    };
    const responses = await new Promise<{ head: string; body: Buffer }[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('pipelined responses did not arrive within 10 s')), 10_000);
      sock.on('data', (c) => {
        chunks.push(c);
        const done = parse(Buffer.concat(chunks));
        if (done) {
          clearTimeout(timer);
          resolve(done);
        }
      });
      sock.on('error', reject);
    });
    sock.destroy();
    ranges.forEach(([a, b], i) => {
      expect(responses[i].head).toMatch(/^HTTP\/1\.1 206/);
      expect(responses[i].head).toContain(`Content-Range: bytes ${a}-${b}/${film.length}`);
      expect(Buffer.compare(responses[i].body, film.subarray(a, b + 1))).toBe(0);
    });
  });
});
