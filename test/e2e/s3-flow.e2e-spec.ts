import { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase } from '@keyseed/database';
import { s3ClientConfig } from '@keyseed/storage';
import type { DemoResult } from '../../apps/cli/src/demo/demo-flow';
import type { PlatformHandle } from '../../apps/cli/src/demo/platform';
import { DEMO_STEPS, runDemoOnPlatform } from '../helpers/demo-platform';
import { bucketContents } from '../helpers/invariants';
import { INTEROP_DIR, PYTHON } from '../helpers/published-bundle';
import { startS3Server, TestS3Server } from '../helpers/s3-server';
import { ownDatabase } from '../helpers/fault-platform';

/**
 * The whole creator → buyer story on the S3 driver, with the processes `npm start` runs (API,
 * worker, platform seed, Stripe emulator; from dist/, so `npm run build` first): tus upload straight
 * to the bucket, ingest from and to the bucket, publish, price, checkout paid through the `stripe`
 * SDK against the emulator, `keyseed download` + `keyseed unlock` byte-identical (the demo flow);
 * then libtorrent downloads the bundle from the webseed alone (ranges proxied from the bucket) and
 * gets the same bytes. Nothing is left half-written in the bucket.
 */
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('creator → buyer on the S3 driver (npm start processes, libtorrent, stripe SDK + emulator, CLI)', () => {
  let s3: TestS3Server;
  let platform: PlatformHandle;
  let demo: DemoResult;
  let work: string;
  let api: string;
  let databaseUrl: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ks-s3-flow-'));
    databaseUrl = await ownDatabase('s3flow');
    s3 = await startS3Server('keyseed-flow');
    mkdirSync(join(work, 'demo'));
    ({ platform, api, demo } = await runDemoOnPlatform({
      env: {
        ...s3.env,
        DATABASE_URL: databaseUrl,
        REDIS_PREFIX: `${process.env.REDIS_PREFIX}_s3flow`,
        DATA_DIR: join(work, 'data'),
      },
      databaseUrl,
      logDir: work,
      workDir: join(work, 'demo'),
      filmBytes: 12 * 1024 * 1024 + 4321,
      stepTimeoutMs: 90_000,
      adminName: 'S3 flow admin',
    }));
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    await s3?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('uploads, ingests, publishes, sells, downloads and unlocks byte-identical', () => {
    expect(demo.steps.map((s) => s.name)).toEqual(DEMO_STEPS);
  });

  it('libtorrent downloads the same bundle from the webseed alone (ranges read from the bucket)', async () => {
    const res = await fetch(`${api}/v1/catalog/${demo.slug}/torrent?format=hybrid`);
    expect(res.status).toBe(200);
    const torrent = join(work, 'hybrid.torrent');
    writeFileSync(torrent, Buffer.from(await res.arrayBuffer()));
    const out = join(work, 'libtorrent');
    const report = await new Promise<string>((resolve, reject) =>
      execFile(
        PYTHON,
        [join(INTEROP_DIR, 'lt_webseed_failover.py'), torrent, out, '120'],
        { cwd: INTEROP_DIR, timeout: 150_000, killSignal: 'SIGKILL' },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stdout}\n${stderr.slice(-2000)}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(report.trim().split('\n').pop()!)).toMatchObject({ event: 'complete' });
    for (const rel of ['film.mkv.locked', 'trailer.mp4', 'keyseed.json']) {
      const viaCli = readFileSync(join(demo.downloadDir, demo.slug, rel));
      expect({ rel, sha: sha256(readFileSync(join(out, demo.slug, rel))) }).toEqual({ rel, sha: sha256(viaCli) });
    }
  }, 180_000);

  it('leaves no multipart upload unfinished in the bucket, nor any plaintext of the published bundle', async () => {
    const client = new S3Client(
      s3ClientConfig({
        bucket: s3.bucket,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
    const bucket = await bucketContents({ client, bucket: s3.bucket });
    client.destroy();
    expect(bucket.multipartUploads).toEqual([]);
    const keys = [...bucket.objects.keys()];
    expect(keys.filter((k) => /^(uploads|staging|tus)\//.test(k))).toEqual([]);
    expect(keys).toEqual(
      expect.arrayContaining([expect.stringMatching(`^published/${demo.bundleId}/film\\.mkv\\.locked$`)]),
    );
  });
});
