import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../apps/cli/src/cli-error';
import { sha256File } from '../../apps/cli/src/buyer/unlock/unlock-item';
import type { DemoResult } from '../../apps/cli/src/demo/demo-flow';
import type { PlatformHandle } from '../../apps/cli/src/demo/platform';
import { CLI, DEMO_STEPS, runDemoOnPlatform } from '../helpers/demo-platform';

/**
 * The buyer's side end to end, against the real platform started by scripts/start.js (API, worker,
 * Stripe emulator) on this run's database: the demo flow with a small film, then aria2 + unlock,
 * an interrupted download resumed, tampering, refund. The CLI runs as the built binary (dist/).
 */
const ROOT = join(__dirname, '..', '..');
const FILM = 3 * 1024 * 1024 + 4321;

function keyseed(args: string[], env: NodeJS.ProcessEnv, timeout = 120_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('buyer CLI against the running platform', () => {
  let platform: PlatformHandle;
  let demo: DemoResult;
  let work: string;
  let api: string;
  let buyerEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The CLI children run the compiled code: build it from these sources first.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 240_000 });
    execFileSync('npx', ['tsc-alias', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
    work = mkdtempSync(join(tmpdir(), 'ks-buyer-e2e-'));
    ({ platform, api, demo } = await runDemoOnPlatform({
      env: {},
      databaseUrl: process.env.DATABASE_URL!,
      logDir: work,
      workDir: work,
      filmBytes: FILM,
      stepTimeoutMs: 60_000,
      adminName: 'E2E admin',
    }));
    buyerEnv = { ...process.env, XDG_CONFIG_HOME: demo.buyerConfigHome, KEYSEED_API: api, KEYSEED_TOKEN: '' };
  }, 420_000);

  afterAll(async () => {
    await platform?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the demo flow: upload, ingest, publish, price, creator payouts (Connect), emulator checkout, BitTorrent download, unlock, byte-identical', async () => {
    expect(demo.steps.map((s) => s.name)).toEqual(DEMO_STEPS);
    expect(await sha256File(join(demo.downloadDir, demo.slug, 'film.mkv'))).toBe(demo.filmSha256);
    expect(existsSync(join(demo.downloadDir, demo.slug, '.pad'))).toBe(false);
  });

  it('unlocks a bundle that aria2c downloaded from the webseed with the v1-only torrent', async () => {
    const dir = join(work, 'aria2');
    const torrent = join(work, 'v1.torrent');
    const res = await fetch(`${api}/v1/catalog/${demo.slug}/torrent?format=v1`);
    expect(res.status).toBe(200);
    writeFileSync(torrent, Buffer.from(await res.arrayBuffer()));
    execFileSync(
      'aria2c',
      [
        '--seed-time=0',
        '--enable-dht=false',
        '--bt-enable-lpd=false',
        '--enable-peer-exchange=false',
        '--summary-interval=0',
        '--console-log-level=error',
        '--check-integrity=true',
        '-d',
        dir,
        torrent,
      ],
      { timeout: 120_000, stdio: 'ignore' },
    );
    // The v1 twin has no pad files, so aria2 1.36 leaves none on disk.
    expect(existsSync(join(dir, demo.slug, '.pad'))).toBe(false);
    const r = keyseed(['unlock', dir, '--out', join(work, 'aria2-out')], buyerEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await sha256File(join(work, 'aria2-out', 'film.mkv'))).toBe(demo.filmSha256);
    expect(existsSync(join(work, 'aria2-out', 'trailer.mp4'))).toBe(true);
    // Idempotent: a second run finds the verified output and leaves it.
    expect(keyseed(['unlock', dir, '--out', join(work, 'aria2-out')], buyerEnv).stdout).toMatch(
      /film\.mkv: already unlocked/,
    );
  }, 180_000);

  it('resumes an interrupted download without fetching the verified pieces again', async () => {
    const dir = join(work, 'resume');
    const child = spawn(process.execPath, [CLI, 'download', demo.slug, dir, '--limit-rate', String(512 * 1024)], {
      env: buyerEnv,
      stdio: 'ignore',
    });
    const locked = join(dir, demo.slug, 'film.mkv.locked');
    // Bytes written, not the file's length: pieces from the platform seed land out of order, so the
    // length runs ahead of what is there (a sparse file) and a kill then found ~240 KiB to keep.
    const written = () => (existsSync(locked) ? statSync(locked).blocks * 512 : 0);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && written() <= 1024 * 1024) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = keyseed(['download', demo.slug, dir], buyerEnv);
    expect(r.code).toBe(0);
    const m = /received (\d+) bytes, (\d+) bytes were already verified/.exec(r.stdout);
    expect(m).not.toBeNull();
    const [received, already] = [Number(m![1]), Number(m![2])];
    const total = FILM + 20_000 + 2000; // film + trailer + keyseed.json, give or take the manifest
    expect(already).toBeGreaterThan(512 * 1024);
    // Only what was missing came over the network (plus at most a few pieces in flight when killed).
    expect(received).toBeLessThan(total - already + 8 * 64 * 1024);
    expect(keyseed(['unlock', dir], buyerEnv).code).toBe(0);
    expect(await sha256File(join(dir, demo.slug, 'film.mkv'))).toBe(demo.filmSha256);
  }, 180_000);

  it('names the file and the piece when one byte of a .locked file is altered, and writes nothing', () => {
    const dir = join(work, 'tampered');
    cpSync(join(demo.downloadDir, demo.slug), join(dir, demo.slug), {
      recursive: true,
      filter: (src) => !src.endsWith('film.mkv'),
    });
    const locked = join(dir, demo.slug, 'film.mkv.locked');
    const fd = openSync(locked, 'r+');
    const at = 1_000_000;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    writeSync(fd, Buffer.from([b[0] ^ 0x80]), 0, 1, at);
    closeSync(fd);
    const r = keyseed(['unlock', dir], buyerEnv);
    expect(r.code).toBe(ExitCode.CorruptData);
    expect(r.stderr).toMatch(/film\.mkv\.locked is corrupt: piece \d+ of \d+/);
    expect(existsSync(join(dir, demo.slug, 'film.mkv'))).toBe(false);
  });

  it('detects a wrong key by the key-check value before it writes anything', () => {
    const dir = join(work, 'wrong-kcv');
    cpSync(join(demo.downloadDir, demo.slug), join(dir, demo.slug), {
      recursive: true,
      filter: (src) => !src.endsWith('film.mkv'),
    });
    const manifestPath = join(dir, demo.slug, 'keyseed.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { items: { kcvHex?: string }[] };
    const locked = manifest.items.find((i) => i.kcvHex)!;
    expect(locked.kcvHex).toMatch(/^[0-9a-f]{16}$/);
    locked.kcvHex = locked.kcvHex!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const r = keyseed(['unlock', dir], buyerEnv);
    expect(r.code).toBe(ExitCode.CorruptData);
    expect(r.stderr).toMatch(/film\.mkv does not match this download \(key-check value/);
    expect(
      readdirSync(join(dir, demo.slug)).filter((f) => f.startsWith('film.mkv') && f !== 'film.mkv.locked'),
    ).toEqual([]);
  });

  it('premiere: unlock and get --no-wait-release say when; get downloads now and unlocks at the release', async () => {
    const setRelease = async (releaseAt: string | null) => {
      const res = await fetch(`${api}/v1/bundles/${demo.bundleId}/release`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${demo.accounts.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ releaseAt }),
      });
      expect(res.status).toBe(200);
    };
    await setRelease(new Date(Date.now() + 90 * 60_000).toISOString());
    try {
      const early = keyseed(['unlock', join(demo.downloadDir, demo.slug), '--out', join(work, 'early')], buyerEnv);
      expect(early.code).toBe(ExitCode.NotReleased);
      expect(early.stderr).toMatch(/premieres at \d{4}-\d\d-\d\dT.*Z \(in 1 h (29|30) min/);
      expect(existsSync(join(work, 'early', 'film.mkv'))).toBe(false);

      const dir = join(work, 'premiere');
      const told = keyseed(['get', demo.slug, dir, '--no-wait-release'], buyerEnv);
      expect(told.code).toBe(ExitCode.NotReleased);
      expect(told.stderr).toMatch(/`keyseed unlock .*premiere.*` at \d{4}-/);
      expect(statSync(join(dir, demo.slug, 'film.mkv.locked')).size).toBe(FILM);

      await setRelease(new Date(Date.now() + 20_000).toISOString());
      const waited = keyseed(['get', demo.slug, dir], buyerEnv);
      expect(waited.stderr).toMatch(/waiting in \d+ s to unlock/);
      expect(waited.code).toBe(0);
      expect(await sha256File(join(dir, demo.slug, 'film.mkv'))).toBe(demo.filmSha256);
    } finally {
      await setRelease(null);
    }
  }, 180_000);

  it('tells a buyer without a license the price and the buy command', () => {
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: mkdtempSync(join(work, 'nobody-')),
      KEYSEED_API: api,
      KEYSEED_TOKEN: demo.accounts.creatorToken,
    };
    const r = keyseed(['unlock', join(demo.downloadDir, demo.slug), '--out', join(work, 'nobody-out')], env);
    expect(r.code).toBe(ExitCode.NoLicense);
    expect(r.stderr).toMatch(/15\.00 USD/);
    expect(r.stderr).toContain(`keyseed buy ${demo.slug}`);
    // --preview: the free preview pieces only, into film.mkv.preview.
    const p = keyseed(
      ['unlock', join(demo.downloadDir, demo.slug), '--out', join(work, 'nobody-out'), '--preview'],
      env,
    );
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const preview = readFileSync(join(work, 'nobody-out', 'film.mkv.preview')) as Buffer;
    const film = readFileSync(join(demo.downloadDir, demo.slug, 'film.mkv')) as Buffer;
    expect(preview.length).toBeGreaterThan(0);
    expect(preview.length).toBeLessThan(film.length);
    expect(preview.equals(film.subarray(0, preview.length))).toBe(true);
    expect(existsSync(join(work, 'nobody-out', 'film.mkv'))).toBe(false);
  });

  it('refuses to unlock after a refund, with a clear message', async () => {
    const orders = (await (
      await fetch(`${api}/v1/orders`, { headers: { authorization: `Bearer ${demo.accounts.buyerToken}` } })
    ).json()) as { id: string; status: string }[];
    const paid = orders.find((o) => o.status === 'PAID')!;
    const refund = await fetch(`${api}/v1/admin/orders/${paid.id}/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.accounts.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refund.status).toBeLessThan(300);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const licenses = (await (
        await fetch(`${api}/v1/licenses`, { headers: { authorization: `Bearer ${demo.accounts.buyerToken}` } })
      ).json()) as { status: string }[];
      if (licenses.every((l) => l.status === 'REVOKED') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = keyseed(['unlock', join(demo.downloadDir, demo.slug), '--out', join(work, 'after-refund')], buyerEnv);
    expect(r.code).toBe(ExitCode.LicenseRevoked);
    expect(r.stderr).toMatch(/license .* (revoked|no longer active)/);
    expect(existsSync(join(work, 'after-refund', 'film.mkv'))).toBe(false);
  }, 60_000);
});
