import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import type { App } from 'supertest/types';
import * as tus from 'tus-js-client';
import { choosePieceLength, parseTorrent } from '@keyseed/torrent';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { registerUser, startTestApp, TestUser } from '../helpers/test-app';
import { freePort } from '../helpers/processes';
import { aria2Download } from '../helpers/aria2';

/**
 * The creator's whole path through the real API and a real worker: tus upload → ingest → publish
 * → catalog → torrent → aria2 downloads from the webseed → libtorrent rechecks what aria2 wrote.
 * The film is 200 MiB (issue #5's acceptance size; KEYSEED_FLOW_MIB overrides it) and its upload is
 * cut off halfway and resumed from the offset the server holds.
 */
const MiB = 1024 * 1024;
const FILM_BYTES = Number(process.env.KEYSEED_FLOW_MIB ?? 200) * MiB + 1234; // not piece-aligned: pad files
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Own queues: the in-process worker must not consume other suites' jobs. The environment is put
// back afterwards (a Jest worker process runs other suites after this one).
const ENV = ['REDIS_PREFIX', 'PUBLIC_URL', 'INGEST_CONCURRENCY', 'INGEST_THREADS'] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const prefix = `${process.env.REDIS_PREFIX}_flow`;
process.env.REDIS_PREFIX = prefix;
process.env.INGEST_CONCURRENCY = '1';
process.env.INGEST_THREADS = '1';

async function poll<T>(fn: () => Promise<T>, done: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('creator flow: upload → ingest → publish → download (API + worker + aria2)', () => {
  let app: NestExpressApplication;
  let worker: INestApplicationContext;
  let http: App;
  let base: string;
  let creator: TestUser;
  const dirs: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    process.env.PUBLIC_URL = base; // announce and webseed URLs inside the torrent
    app = await startTestApp();
    await app.listen(port, '127.0.0.1');
    http = app.getHttpServer();
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    creator = await registerUser(app, ['CREATOR'], 'Flow Films');
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const redis = new Redis(process.env.REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    for (const k of ENV) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
  });

  const upload = (bundleId: string, itemId: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      new tus.Upload(body, {
        endpoint: `${base}/v1/uploads`,
        chunkSize: 1 * MiB,
        headers: creator.auth,
        retryDelays: null,
        metadata: { bundleId, itemId },
        onSuccess: () => resolve(),
        onError: reject,
      }).start();
    });

  /** Uploads in 4 MiB chunks, cuts the connection off past halfway, then resumes from the server's offset. */
  async function interruptedUpload(bundleId: string, itemId: string, body: Buffer): Promise<{ resumedAt: number }> {
    const options = {
      endpoint: `${base}/v1/uploads`,
      chunkSize: 4 * MiB,
      headers: creator.auth,
      retryDelays: null,
      metadata: { bundleId, itemId },
    };
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      const first: tus.Upload = new tus.Upload(body, {
        ...options,
        onError: reject,
        onProgress: (sent) => {
          if (sent < body.length / 2) return;
          first.abort().then(() => resolve(first.url!), reject);
        },
      });
      first.start();
    });
    const head = await fetch(uploadUrl, { method: 'HEAD', headers: { ...creator.auth, 'Tus-Resumable': '1.0.0' } });
    const resumedAt = Number(head.headers.get('upload-offset'));
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(body, { ...options, uploadUrl, onSuccess: () => resolve(), onError: reject }).start();
    });
    return { resumedAt };
  }

  it('publishes what was uploaded, and aria2 gets the same bytes from the webseed', async () => {
    const film = randomBytes(FILM_BYTES);
    const trailer = randomBytes(300 * 1024 + 7);
    const bundle = (
      await request(http)
        .post('/v1/bundles')
        .set(creator.auth)
        .send({ title: 'Flow Film', description: 'end to end' })
        .expect(201)
    ).body;
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(creator.auth)
        .send({
          items: [
            { path: 'film.mkv', previewPieces: 1, size: film.length },
            { path: 'extras/trailer.mp4', locked: false, size: trailer.length },
          ],
        })
        .expect(201)
    ).body.items;

    const [{ resumedAt }] = await Promise.all([
      interruptedUpload(bundle.id, items[0].id, film),
      upload(bundle.id, items[1].id, trailer),
    ]);
    expect(resumedAt).toBeGreaterThanOrEqual(film.length / 2 - 4 * MiB);
    expect(resumedAt).toBeLessThan(film.length);
    const ready = await poll(
      async () => (await request(http).get(`/v1/bundles/${bundle.id}`).set(creator.auth).expect(200)).body,
      (b) => b.items.every((i: { status: string }) => i.status === 'READY' || i.status === 'FAILED'),
      120_000 + FILM_BYTES / 1000,
      'ingest',
    );
    expect(ready.items.map((i: { status: string }) => i.status)).toEqual(['READY', 'READY']);
    expect(ready.items[0]).toMatchObject({ size: film.length, progressPercent: 100, plaintextSha256: sha256(film) });
    // The trailer finishes first; the piece length still comes from the declared total.
    expect(ready.pieceLength).toBe(choosePieceLength(film.length + trailer.length));

    await request(http).post(`/v1/bundles/${bundle.id}/publish`).set(creator.auth).expect(202);
    await poll(
      async () => (await request(http).get(`/v1/bundles/${bundle.id}`).set(creator.auth)).body.status,
      (s) => s === 'PUBLISHED',
      60_000,
      'publish',
    );

    const page = (await request(http).get(`/v1/catalog/${bundle.slug}`).expect(200)).body;
    expect(page.magnet).toContain(`urn:btih:${page.infoHashV1}`);
    expect(page.items.map((i: { torrentPath: string }) => i.torrentPath)).toEqual([
      'film.mkv.locked',
      'extras/trailer.mp4',
    ]);

    const dir = mkdtempSync(join(tmpdir(), 'ks-flow-'));
    dirs.push(dir);
    const files: Record<string, string> = {};
    for (const format of ['hybrid', 'v1'] as const) {
      const res = await request(http)
        .get(`/v1/catalog/${bundle.slug}/torrent?format=${format}`)
        .buffer(true)
        .parse(((r: NodeJS.ReadableStream, cb: (e: Error | null, b: Buffer) => void) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
        }) as unknown as Parameters<request.Test['parse']>[0])
        .expect(200);
      const torrent = parseTorrent(res.body as Buffer);
      expect(torrent.infoHashV1).toBe(format === 'hybrid' ? page.infoHashV1 : page.infoHashV1Legacy);
      files[format] = join(dir, `${format}.torrent`);
      writeFileSync(files[format], res.body as Buffer);
    }

    // Let the tracker's info-hash index see the new bundle before aria2 announces.
    await new Promise((r) => setTimeout(r, 2500));
    for (const format of ['v1', 'hybrid'] as const) {
      const out = join(dir, format);
      const res = await aria2Download(files[format], out, 120_000);
      expect({ format, code: res.code, out: res.code === 0 ? '' : res.stdout + res.stderr }).toEqual({
        format,
        code: 0,
        out: '',
      });
      expect(sha256(readFileSync(join(out, bundle.slug, 'extras/trailer.mp4')))).toBe(sha256(trailer));
      const locked = join(out, bundle.slug, 'film.mkv.locked');
      expect(statSync(locked).size).toBe(film.length);
      expect(sha256(readFileSync(locked))).not.toBe(sha256(film)); // ciphertext, unlocked only with bought keys
      // libtorrent, a different implementation, accepts every piece of what aria2 wrote.
      const check = await promisify(execFile)(
        '/usr/bin/python3',
        [join(__dirname, '../interop/lt_recheck.py'), files[format], out, '120'],
        { timeout: 150_000 },
      );
      const recheck = JSON.parse(check.stdout.trim().split('\n').pop()!);
      expect(recheck).toMatchObject({ event: 'recheck', pieces: recheck.total });
      expect(recheck.total).toBeGreaterThan(0);
    }
  });
});
