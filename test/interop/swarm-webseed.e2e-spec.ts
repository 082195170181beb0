import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaService } from '@keyseed/database';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';
import { createPublishedBundle, INTEROP_DIR, PublishedFixture, PYTHON } from '../helpers/published-bundle';
import { startTestApp } from '../helpers/test-app';

/**
 * The swarm-aware webseed (WEBSEED_POLICY=swarm) with real libtorrent leechers on loopback, behind
 * a proxy that counts the webseed bytes they receive: a lone leecher is never refused, leechers
 * started together all finish, and the egress counter equals what the proxy counted. On loopback
 * libtorrent exempts local peers from rate limits and a few MB arrive in about a second, so the
 * swarm is over before its peers find each other: the 503 path is covered by the rules' unit tests
 * (swarm-policy.spec.ts), not end to end here.
 */
interface LeechReport {
  event: string;
  seconds: number;
  downloaded: number;
}

function leech(torrent: string, dir: string): Promise<LeechReport> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      // 4 pieces per webseed request: what libtorrent's default (16 MiB) makes of 4 MiB pieces.
      [
        join(INTEROP_DIR, 'lt_swarm_leech.py'),
        torrent,
        dir,
        '90',
        '--tcp-only',
        '--seed-for',
        '3',
        '--web-request-bytes',
        String(4 * 64 * 1024),
      ],
      { timeout: 100_000, killSignal: 'SIGKILL', cwd: INTEROP_DIR },
      (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LeechReport);
        } catch {
          reject(new Error(`libtorrent leecher failed (${err?.message}): ${stdout}\n${stderr.slice(-3000)}`));
        }
      },
    );
  });
}

describe('swarm-aware webseed (interop: libtorrent leechers, counting proxy)', () => {
  let app: NestExpressApplication;
  let proxy: CountingProxy;
  let fx: PublishedFixture;
  let contentBytes: number;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { WEBSEED_POLICY: 'swarm', WEBSEED_RETRY_AFTER_SECONDS: '2', EGRESS_FLUSH_MS: '200' });
    app = await startTestApp();
    process.env = saved;
    await app.listen(0, '127.0.0.1');
    proxy = await startCountingProxy(`http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`);
    fx = await createPublishedBundle(app, {
      publicUrl: proxy.url,
      pieceLength: 64 * 1024,
      items: [
        { path: 'film.mkv', locked: true, size: 6 * 1024 * 1024 + 777 },
        { path: 'trailer.mp4', locked: false, size: 300_001 },
      ],
    });
    contentBytes = [...fx.files.values()].reduce((a, b) => a + b.length, 0);
    // Let the tracker's info-hash index see the bundle before anyone announces it.
    await new Promise((r) => setTimeout(r, 2500));
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await app?.close();
  });

  it('never refuses a lone leecher: it downloads everything from the webseed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-swarm-lone-'));
    const report = await leech(fx.hybridTorrent, dir);
    expect(report.event).toBe('complete');
    expect(proxy.webseedStatuses.get(503) ?? 0).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, fx.slug, 'film.mkv.locked')), fx.files.get('film.mkv.locked')!)).toBe(
      0,
    );
  }, 110_000);

  it('4 leechers started together all finish (none stalls) and the origin sends less than a copy each', async () => {
    const before = proxy.webseedBodyBytes;
    const reports = await Promise.all(
      [0, 1, 2, 3].map(() => leech(fx.hybridTorrent, mkdtempSync(join(tmpdir(), 'ks-swarm-4-')))),
    );
    expect(reports.map((r) => r.event)).toEqual(['complete', 'complete', 'complete', 'complete']);
    // The origin sent less than one copy per leecher: the rest came from the swarm.
    expect(proxy.webseedBodyBytes - before).toBeLessThan(4 * contentBytes);
  }, 120_000);

  it('counts exactly the webseed bytes the clients received', async () => {
    await new Promise((r) => setTimeout(r, 500)); // bytes still on their way through the proxy
    await app.get(EgressRecorder, { strict: false }).flush();
    const rows = await app.get(PrismaService).bundleEgress.findMany({ where: { bundleId: fx.bundleId } });
    expect(rows.map((r) => [r.source, Number(r.bytes)])).toEqual([['WEBSEED', proxy.webseedBodyBytes]]);
  });
});
