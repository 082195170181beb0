/// <reference lib="dom" />
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  expectHealthyPage,
  poll,
  screenshot,
  startBrowserHarness,
  type BrowserHarness,
  type BrowserPage,
  type SessionUser,
} from './harness';

/**
 * The in-browser unlock in Chromium against the real platform (browser harness): a locked WebM film
 * (12 s, 1.6 MB, 64 KiB pieces, 8 preview pieces) bought through the API, then watched, sought,
 * downloaded, unlocked from a folder and refused, through the library page, the unlock service
 * worker doing the verification and decryption. The preview plays with no account.
 */
const FILM = join(__dirname, 'fixtures', 'unlock-film.webm');
const PATH = 'unlock-film.webm';
const PIECE = 64 * 1024;
const PREVIEW_PIECES = 8;

describe('in-browser unlock (Chromium, service worker)', () => {
  let h: BrowserHarness;
  let buyer: SessionUser;
  let bundle: { id: string; slug: string };
  let order: { orderId: string; licenseId: string };
  const sha256 = createHash('sha256').update(readFileSync(FILM)).digest('hex');

  beforeAll(async () => {
    h = await startBrowserHarness();
    const creator = await h.registerUser(['CREATOR'], 'Unlock Pictures');
    buyer = await h.registerUser(['BUYER']);
    bundle = await h.publishBundle({
      creator,
      title: 'Test Card Express',
      pieceLength: PIECE,
      files: [{ path: PATH, locked: true, previewPieces: PREVIEW_PIECES, file: FILM }],
      price: { amount: 900, currency: 'usd' },
    });
    order = await h.buy(buyer, bundle.id);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  /** A browser profile (logged in as `as`) whose downloads go through the worker: headless Chromium has the
   *  File System Access API but no save dialog to drive. */
  async function open(as?: SessionUser): Promise<BrowserPage> {
    const bp = await h.newPage({ as, acceptDownloads: true });
    await bp.context.addInitScript(() => {
      delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    });
    return bp;
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
    const bp = await open(buyer);
    const { context, page } = bp;
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
      await expectHealthyPage(bp, 'library while watching');
      await screenshot(page, 'library-watch');
    } finally {
      await context.close();
    }
  });

  it('downloads the decrypted film through the service worker: the saved file is the original', async () => {
    const { context, page } = await open(buyer);
    try {
      await page.goto('/library');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        page.getByRole('button', { name: 'Download', exact: true }).first().click(),
      ]);
      expect(download.suggestedFilename()).toBe(PATH);
      const saved = join(h.workDir, 'downloaded.webm');
      await download.saveAs(saved);
      expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(sha256);
      await page.getByRole('status').filter({ hasText: 'downloaded and verified' }).waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it('unlocks the folder a BitTorrent client left: the .locked file decrypted, verified and renamed into place', async () => {
    const { context, page } = await open(buyer);
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
        { slug: bundle.slug, path: PATH },
      );
      await page.getByRole('button', { name: 'Unlock files I downloaded with my BitTorrent client' }).first().click();
      await page.getByText(`${PATH}: unlocked and verified`).waitFor({ timeout: 30_000 });
      const result = await page.evaluate(
        async ({ slug, path }) => {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(slug);
          const names: string[] = [];
          for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
          const file = await (await dir.getFileHandle(path)).getFile();
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
          return { names: names.sort(), sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
        },
        { slug: bundle.slug, path: PATH },
      );
      expect(result.sha256).toBe(sha256);
      expect(result.names).toEqual(['keyseed.json', PATH, `${PATH}.locked`].sort());
    } finally {
      await context.close();
    }
  });

  it('plays the free preview with no account, and stops at its end', async () => {
    const { context, page } = await open();
    try {
      await page.goto(`/b/${bundle.slug}`);
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
    const locked = findPublished(h.dataDir, bundle.id, `${PATH}.locked`);
    const original = readFileSync(locked);
    const damaged = Buffer.from(original);
    damaged[100] ^= 0xff; // piece 0
    writeFileSync(locked, damaged);
    const { context, page } = await open(buyer);
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
    const admin = await h.createAdmin();
    await h.api('POST', `/v1/admin/orders/${order.orderId}/refund`, admin.token, {});
    await poll('the license revoked', async () => {
      const license = await h.api<{ status: string }>('GET', `/v1/licenses/${order.licenseId}`, buyer.token);
      return license.status === 'REVOKED';
    });
    const { context, page } = await open(buyer);
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
