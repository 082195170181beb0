import type { NestExpressApplication } from '@nestjs/platform-express';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aria2Download, runClient } from '../helpers/aria2';
import { startTestApp } from '../helpers/test-app';
import { transmissionDownload } from '../helpers/transmission';
import {
  createPublishedBundle,
  expectSameFiles,
  INTEROP_DIR,
  PublishedFixture,
  PYTHON,
} from '../helpers/published-bundle';

/**
 * Real BitTorrent clients against the platform: aria2 and libtorrent download from the webseed,
 * and find each other through /announce alone. Every client runs with DHT, LSD and PEX off and
 * under a timeout, so a hung client fails the test instead of hanging CI.
 */

const py = (script: string, args: string[], timeoutMs: number) =>
  runClient(PYTHON, [join(INTEROP_DIR, script), ...args], timeoutMs);

/** Starts lt_seed.py and resolves once it reports that it is seeding. */
function startSeeder(saveDir: string, torrents: string[]): Promise<{ proc: ChildProcess; stderr: () => string }> {
  const proc = spawn(PYTHON, [join(INTEROP_DIR, 'lt_seed.py'), saveDir, '120', ...torrents], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`seeder did not start within 60 s: ${out}${err}`));
    }, 60_000);
    proc.stdout.on('data', (c) => {
      out += c;
      if (out.includes('"event": "seeding"')) {
        clearTimeout(timer);
        resolve({ proc, stderr: () => err });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`seeder exited with ${code}: ${out}${err}`));
    });
  });
}

function stopSeeder(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.stdin!.end();
  });
}

describe('BitTorrent clients against the webseed and tracker (interop)', () => {
  let app: NestExpressApplication;
  let fx: PublishedFixture;

  beforeAll(async () => {
    // Plain BEP 19 webseed: these clients must be able to download from it alone.
    process.env.WEBSEED_POLICY = 'plain';
    app = await startTestApp();
    delete process.env.WEBSEED_POLICY;
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    // A few MiB, 64 KiB pieces, files that do not end on piece boundaries (pad files), a '+' and
    // a space and a non-ASCII letter in a file name.
    fx = await createPublishedBundle(app, { publicUrl: `http://127.0.0.1:${port}`, pieceLength: 64 * 1024 });
    // Let the tracker's info-hash index see the new bundle before clients announce.
    await new Promise((r) => setTimeout(r, 2500));
  });
  afterAll(async () => app.close());

  it('aria2 downloads the bundle from the webseed given only the v1-only torrent; libtorrent verifies every piece', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-aria2-v1-'));
    const res = await aria2Download(fx.legacyTorrent, dir, 90_000);
    expect({ code: res.code, log: res.code === 0 ? '' : res.stdout + res.stderr }).toEqual({ code: 0, log: '' });
    expectSameFiles(fx, dir);
    expect(existsSync(join(dir, fx.slug, '.pad'))).toBe(false);
    for (const torrent of [fx.legacyTorrent, fx.hybridTorrent]) {
      const check = await py('lt_recheck.py', [torrent, dir, '60'], 90_000);
      expect({ code: check.code, out: check.stdout + check.stderr }).toMatchObject({ code: 0 });
    }
  });

  it('Transmission 3 downloads the v1 twin from the webseed and leaves no pad files on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-transmission-v1-'));
    await transmissionDownload(fx.legacyTorrent, dir, 90_000);
    expectSameFiles(fx, dir);
    expect(readdirSync(join(dir, fx.slug)).sort()).toEqual(
      [...new Set([...fx.files.keys()].map((r) => r.split('/')[0]))].sort(),
    );
  }, 100_000);

  it('aria2 reads the hybrid torrent and completes from the webseed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-aria2-hybrid-'));
    const res = await aria2Download(fx.hybridTorrent, dir, 90_000);
    expect({ code: res.code, log: res.code === 0 ? '' : res.stdout + res.stderr }).toEqual({ code: 0, log: '' });
    expectSameFiles(fx, dir);
    const check = await py('lt_recheck.py', [fx.hybridTorrent, dir, '60'], 90_000);
    expect({ code: check.code, out: check.stdout + check.stderr }).toMatchObject({ code: 0 });
  });

  it('libtorrent downloads the hybrid torrent from the webseed alone (pipelined ranged GETs) and verifies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-lt-webseed-'));
    const res = await py('lt_leech.py', [fx.hybridTorrent, dir, '90', 'webseed-only'], 100_000);
    expect({ code: res.code, out: res.code === 0 ? '' : res.stdout + res.stderr }).toEqual({ code: 0, out: '' });
    expectSameFiles(fx, dir);
  });

  describe('peers find each other through /announce alone (no webseed, DHT, LSD or PEX)', () => {
    let seeder: { proc: ChildProcess; stderr: () => string };
    let hybridNoWeb: string;
    let legacyNoWeb: string;

    beforeAll(async () => {
      hybridNoWeb = join(fx.parentDir, 'hybrid.noweb.torrent');
      legacyNoWeb = join(fx.parentDir, 'legacy.noweb.torrent');
      expect((await py('lt_strip.py', [fx.hybridTorrent, hybridNoWeb], 30_000)).code).toBe(0);
      expect((await py('lt_strip.py', [fx.legacyTorrent, legacyNoWeb], 30_000)).code).toBe(0);
      // The seeder has the published folder and seeds both torrents of the bundle.
      seeder = await startSeeder(fx.parentDir, [hybridNoWeb, legacyNoWeb]);
    });
    afterAll(async () => {
      if (seeder) await stopSeeder(seeder.proc);
    });

    it('a libtorrent leecher completes the hybrid torrent from a libtorrent seeder', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ks-lt-leech-'));
      const res = await py('lt_leech.py', [hybridNoWeb, dir, '90'], 100_000);
      expect({ code: res.code, out: res.code === 0 ? '' : res.stdout + res.stderr + seeder.stderr() }).toEqual({
        code: 0,
        out: '',
      });
      expectSameFiles(fx, dir);
    });

    it('an aria2 leecher completes the v1-only torrent from the libtorrent seeder', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ks-aria2-leech-'));
      const res = await aria2Download(legacyNoWeb, dir, 90_000);
      expect({ code: res.code, log: res.code === 0 ? '' : res.stdout + res.stderr + seeder.stderr() }).toEqual({
        code: 0,
        log: '',
      });
      expectSameFiles(fx, dir);
    });
  });
});
