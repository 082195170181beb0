/// <reference lib="dom" />
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { ensurePlatform, type PlatformHandle } from '../../apps/cli/src/demo/platform';
import { createLockedFilm, poll, type Account, type LockedFilm } from '../../bench/common/locked-film';

/**
 * The in-browser unlock in Debian's Chromium against the real platform (API serving the built web
 * app, worker, Stripe emulator): a locked WebM film (12 s, 1.6 MB, 64 KiB pieces) bought over REST,
 * then watched, sought, downloaded and refused through the library page, the service worker doing
 * the decryption. The preview plays with no account.
 */
const ROOT = join(__dirname, '..', '..');
const FILM = join(__dirname, 'fixtures', 'unlock-film.webm');
const PIECE = 64 * 1024;
const PREVIEW_PIECES = 8;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('in-browser unlock (Chromium, service worker)', () => {
  let work: string;
  let platform: PlatformHandle;
  let film: LockedFilm;
  let browser: Browser;
  let api: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ks-unlock-browser-'));
    const [port, stripePort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${port}`;
    platform = await ensurePlatform({
      repoRoot: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        PUBLIC_URL: api,
        STRIPE_EMULATOR_PORT: String(stripePort),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
      },
      api,
      stripeBase: `http://127.0.0.1:${stripePort}`,
      logFile: join(work, 'platform.log'),
      timeoutMs: 90_000,
    });
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) });
    try {
      film = await createLockedFilm({
        api,
        stripeBase: platform.stripeBase,
        file: FILM,
        pieceLength: PIECE,
        previewPieces: PREVIEW_PIECES,
        createAdmin: (email, password) => ensureAdmin(prisma, email, password, 'Unlock admin').then(() => undefined),
      });
    } finally {
      await prisma.$disconnect();
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A browser profile logged in as `account` (the app keeps its session in localStorage). */
  async function loggedIn(account: Account | null): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ acceptDownloads: true, baseURL: api });
    await context.addInitScript(
      ([session]) => {
        if (session) localStorage.setItem('keyseed.session', session);
        // Headless Chromium has the File System Access API but no dialog to drive: use the worker-streamed download.
        delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
      },
      [account ? JSON.stringify({ token: account.token, expiresAt: account.expiresAt, user: account.user }) : null],
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { context, page, errors };
  }

  async function pressWatch(page: Page): Promise<void> {
    await page.goto('/library');
    await page.getByRole('button', { name: 'Watch', exact: true }).first().click();
  }

  const videoState = (page: Page) =>
    page.locator('video.unlock-player').evaluate((v: HTMLVideoElement) => ({
      readyState: v.readyState,
      currentTime: v.currentTime,
      duration: v.duration,
      paused: v.paused,
      error: v.error?.message ?? null,
    }));

  it('plays the bought film: Watch reaches readyState ≥ 3, time advances, a seek to 80 % plays within 2 s', async () => {
    const { context, page, errors } = await loggedIn(film.buyer);
    try {
      await pressWatch(page);
      const video = page.locator('video.unlock-player');
      await video.waitFor({ state: 'visible' });
      await page.waitForFunction(
        () => (document.querySelector('video.unlock-player') as HTMLVideoElement)?.readyState >= 3,
        undefined,
        { timeout: 20_000 },
      );
      const t0 = (await videoState(page)).currentTime;
      await page.waitForFunction(
        (t) => (document.querySelector('video.unlock-player') as HTMLVideoElement).currentTime > t + 0.5,
        t0,
        { timeout: 10_000 },
      );

      const { duration } = await videoState(page);
      expect(duration).toBeGreaterThan(10);
      const target = duration * 0.8;
      const seekStart = Date.now();
      await video.evaluate((v: HTMLVideoElement, t: number) => (v.currentTime = t), target);
      await page.waitForFunction(
        (t) => {
          const v = document.querySelector('video.unlock-player') as HTMLVideoElement;
          return v.readyState >= 3 && !v.seeking && v.currentTime > t + 0.2;
        },
        target,
        { timeout: 2_000 },
      );
      expect(Date.now() - seekStart).toBeLessThan(2_000);
      expect((await videoState(page)).error).toBeNull();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('downloads the decrypted film through the service worker: the saved file is the original', async () => {
    const { context, page } = await loggedIn(film.buyer);
    try {
      await page.goto('/library');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        page.getByRole('button', { name: 'Download', exact: true }).first().click(),
      ]);
      expect(download.suggestedFilename()).toBe(film.path);
      const saved = join(work, 'downloaded.webm');
      await download.saveAs(saved);
      expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(film.sha256);
      await page.getByRole('status').filter({ hasText: 'downloaded and verified' }).waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it('unlocks the folder a BitTorrent client left: the .locked file decrypted, verified and renamed into place', async () => {
    const { context, page } = await loggedIn(film.buyer);
    try {
      await page.goto('/library');
      // The "downloaded" bundle folder lives in the origin's private file system; the directory picker
      // (a native dialog headless Chromium cannot show) hands over its parent, as a user would.
      await page.evaluate(
        async ({ slug, path }) => {
          const root = await navigator.storage.getDirectory();
          const dir = await root.getDirectoryHandle(slug, { create: true });
          for (const name of ['keyseed.json', `${path}.locked`]) {
            const bytes = await (await fetch(`/webseed/${slug}/${encodeURIComponent(name)}`)).arrayBuffer();
            const out = await (await dir.getFileHandle(name, { create: true })).createWritable();
            await out.write(bytes);
            await out.close();
          }
          (window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker =
            async () => root;
        },
        { slug: film.slug, path: film.path },
      );
      await page.getByRole('button', { name: 'Unlock files I downloaded with my BitTorrent client' }).first().click();
      await page.getByText(`${film.path}: unlocked and verified`).waitFor({ timeout: 30_000 });
      const result = await page.evaluate(
        async ({ slug, path }) => {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(slug);
          const names: string[] = [];
          for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
          const file = await (await dir.getFileHandle(path)).getFile();
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
          return { names: names.sort(), sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
        },
        { slug: film.slug, path: film.path },
      );
      expect(result.sha256).toBe(film.sha256);
      expect(result.names).toEqual(['keyseed.json', film.path, `${film.path}.locked`].sort());
    } finally {
      await context.close();
    }
  });

  it('plays the free preview with no account, and stops at its end', async () => {
    const { context, page } = await loggedIn(null);
    try {
      await page.goto(`/b/${film.slug}`);
      await page.getByRole('button', { name: 'Watch the free preview' }).click();
      await page.waitForFunction(
        () => (document.querySelector('video.unlock-player') as HTMLVideoElement)?.readyState >= 3,
        undefined,
        { timeout: 20_000 },
      );
      expect((await videoState(page)).error).toBeNull();
      // Past the preview pieces the keys stop: the page says so instead of failing silently.
      await page.locator('video.unlock-player').evaluate((v: HTMLVideoElement) => (v.currentTime = v.duration * 0.8));
      const alert = page.locator('[data-unlock-error="NO_PREVIEW"]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toMatch(/past the free preview; buy the film to watch on/);
    } finally {
      await context.close();
    }
  });

  it('refuses a corrupted ciphertext piece: nothing of it plays and the page names the piece', async () => {
    const locked = findPublished(process.env.DATA_DIR!, film.bundleId, `${film.path}.locked`);
    const original = readFileSync(locked);
    const damaged = Buffer.from(original);
    damaged[100] ^= 0xff; // piece 0
    writeFileSync(locked, damaged);
    const { context, page } = await loggedIn(film.buyer);
    try {
      await pressWatch(page);
      const alert = page.locator('[data-unlock-error="CORRUPT_PIECE"]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toMatch(/piece 0 .*does not match the torrent's hashes/);
      expect((await videoState(page)).readyState).toBeLessThan(2);
    } finally {
      writeFileSync(locked, original);
      await context.close();
    }
  });

  it("fails a refunded license's Watch with the revoked-license message", async () => {
    const res = await fetch(`${api}/v1/admin/orders/${film.orderId}/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${film.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(res.status).toBe(200);
    await poll(30_000, 'the license revoked', async () => {
      const license = await fetch(`${api}/v1/licenses/${film.licenseId}`, {
        headers: { authorization: `Bearer ${film.buyer.token}` },
      }).then((r) => r.json() as Promise<{ status: string }>);
      return license.status === 'REVOKED';
    });
    const { context, page } = await loggedIn(film.buyer);
    try {
      await pressWatch(page);
      const alert = page.locator('[data-unlock-error="LICENSE_REVOKED"]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toMatch(/your license was revoked \(the order was refunded/);
    } finally {
      await context.close();
    }
  });
});

/** The blob-store file of a published bundle's `relPath` (the local-disk driver, DATA_DIR/blobs). */
function findPublished(dataDir: string, bundleId: string, relPath: string): string {
  const path = join(dataDir, 'blobs', 'published', bundleId, relPath);
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  throw new Error(`no ${relPath} in the blob store (${readdirSync(dataDir).join(', ')})`);
}
