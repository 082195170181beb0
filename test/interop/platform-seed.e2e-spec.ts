import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaService } from '@keyseed/database';
import { bdecode, magnetLink } from '@keyseed/torrent';
import {
  createPublishedBundle,
  expectSameFiles,
  INTEROP_DIR,
  PublishedFixture,
  PYTHON,
} from '../helpers/published-bundle';
import { startPlatformSeed, type PlatformSeedProcess } from '../helpers/platform-seed';
import { startTestApp } from '../helpers/test-app';
import { useOwnDatabase } from '../helpers/fault-platform';

/**
 * The platform seed (apps/seeder, run compiled) against real libtorrent leechers on loopback, with
 * no webseed and no other peer: magnets resolve through its BEP 9 metadata, it serves uTP and TCP,
 * the hybrid torrent and the pad-free v1 twin, follows publishes and takedowns, restarts from the
 * stored files, and counts what it sends.
 */
interface LeechReport {
  event: string;
  downloaded: number;
  transports: string[];
  metadata_seconds: number | null;
  sources: Record<string, number>;
}

function leech(args: string[], timeoutMs: number): Promise<LeechReport> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(INTEROP_DIR, 'lt_swarm_leech.py'), ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', cwd: INTEROP_DIR },
      (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as LeechReport);
        } catch {
          reject(new Error(`libtorrent leecher failed (${err?.message}): ${stdout}\n${stderr.slice(-3000)}`));
        }
      },
    );
  });
}

/**
 * The ports the tracker hands out for `infoHashHex`, asked with one compact announce of a probe peer
 * (port 9, discard), which then leaves again.
 */
async function trackerPorts(publicUrl: string, infoHashHex: string): Promise<number[]> {
  const query = (event: string) =>
    `${publicUrl}/announce?info_hash=${infoHashHex.replace(/../g, '%$&')}&peer_id=-KS0001-probe0000000` +
    `&port=9&uploaded=0&downloaded=0&left=1&compact=1&event=${event}`;
  const root = bdecode(Buffer.from(await (await fetch(query('started'))).arrayBuffer()));
  await fetch(query('stopped'));
  const peers = root.type === 'dict' ? root.entries.find((e) => e.key.toString() === 'peers')?.value : undefined;
  if (peers?.type !== 'bytes') return [];
  const ports: number[] = [];
  for (let at = 0; at + 6 <= peers.value.length; at += 6) ports.push(peers.value.readUInt16BE(at + 4));
  return ports;
}

// The seed serves every PUBLISHED bundle of its database: other suites' bundles (files elsewhere)
// would crowd its log and its sync.
useOwnDatabase('platformseed');

describe('platform seed (interop: libtorrent over uTP and TCP)', () => {
  let app: NestExpressApplication;
  let publicUrl: string;
  let fx: PublishedFixture;
  let seed: PlatformSeedProcess;
  const received: number[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    await app.listen(0, '127.0.0.1');
    publicUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    fx = await createPublishedBundle(app, { publicUrl, pieceLength: 64 * 1024 });
    seed = await startPlatformSeed(publicUrl);
    await seed.waitFor((l) => l.event === 'seeder.added' && l.bundleId === fx.bundleId);
    // Let the tracker's info-hash index see the bundle before anyone announces it.
    await new Promise((r) => setTimeout(r, 2500));
  }, 60_000);

  afterAll(async () => {
    await seed?.stop();
    await app?.close();
  });

  it('serves BEP 9 metadata: a magnet link completes in libtorrent over uTP, the platform seed the only source', async () => {
    expect(seed.utp).toBe(true);
    const magnet = magnetLink({
      infoHashV1: fx.infoHashV1,
      infoHashV2: fx.infoHashV2,
      name: fx.slug,
      announce: [`${publicUrl}/announce`],
    });
    const dir = mkdtempSync(join(tmpdir(), 'ks-seed-magnet-'));
    const report = await leech([magnet, dir, '60', '--utp-only'], 70_000);
    received.push(report.downloaded); // counted by the seed whether or not it completed
    expect(report).toMatchObject({ event: 'complete' }); // a failure prints the whole report
    expect(report.metadata_seconds).not.toBeNull();
    expect(report.transports).toEqual(['utp']);
    expectSameFiles(fx, dir);
  }, 80_000);

  it('exits at start, naming SEEDER_PORT, when its port is taken', async () => {
    await expect(startPlatformSeed(publicUrl, { SEEDER_PORT: String(seed.port) })).rejects.toThrow(
      /exited \(1\)[\s\S]*cannot listen on port \d+ .*set SEEDER_PORT to a free port/,
    );
  });

  it('restarts and seeds again at once from the stored files, the pad-free v1 twin over TCP', async () => {
    await seed.stop();
    const t0 = Date.now();
    seed = await startPlatformSeed(publicUrl);
    await seed.waitFor((l) => l.event === 'seeder.added' && l.bundleId === fx.bundleId);
    expect(Date.now() - t0).toBeLessThan(30_000);
    // The leecher asks the tracker once at its start, and again only after the tracker's interval:
    // it must find the restarted seed (on its new port) there, not just the seed's log line.
    for (const end = Date.now() + 10_000; !(await trackerPorts(publicUrl, fx.infoHashV1Legacy)).includes(seed.port);) {
      if (Date.now() > end) throw new Error(`the tracker does not list the restarted seed (port ${seed.port})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const dir = mkdtempSync(join(tmpdir(), 'ks-seed-twin-'));
    const report = await leech([fx.legacyTorrent, dir, '60', '--tcp-only', '--no-webseed'], 70_000);
    received.push(report.downloaded);
    expect(report).toMatchObject({ event: 'complete' });
    expect(report.transports).toEqual(['tcp']);
    expectSameFiles(fx, dir);
  }, 100_000);

  it('picks up a newly published bundle and drops a taken-down one within seconds', async () => {
    const fresh = await createPublishedBundle(app, { publicUrl, pieceLength: 16 * 1024 });
    const t0 = Date.now();
    await seed.waitFor((l) => l.event === 'seeder.added' && l.bundleId === fresh.bundleId, 10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await app.get(PrismaService).bundle.update({ where: { id: fresh.bundleId }, data: { status: 'TAKEN_DOWN' } });
    const t1 = Date.now();
    await seed.waitFor((l) => l.event === 'seeder.dropped' && l.bundleId === fresh.bundleId, 10_000);
    expect(Date.now() - t1).toBeLessThan(5000);
  }, 30_000);
  it('counts the bytes it sent for the bundle: what the leechers received from it, plus blocks in flight at their end', async () => {
    await seed.stop(); // writes its last counts
    const rows = await app.get(PrismaService).bundleEgress.findMany({ where: { bundleId: fx.bundleId } });
    expect(rows.map((r) => r.source)).toEqual(['SEED']);
    // The seed counts every block it hands to a connection; a leecher that completes drops the
    // end-game duplicates still in flight (libtorrent's own count of payload received is exact).
    const leeched = received.reduce((a, b) => a + b, 0);
    expect(Number(rows[0].bytes)).toBeGreaterThanOrEqual(leeched);
    expect(Number(rows[0].bytes) - leeched).toBeLessThanOrEqual(received.length * 4 * 16 * 1024);
  }, 30_000);
});
