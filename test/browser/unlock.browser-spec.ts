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
  let creator: SessionUser;
  let buyer: SessionUser;
  let bundle: { id: string; slug: string };
  let order: { orderId: string; licenseId: string };
  const sha256 = createHash('sha256').update(readFileSync(FILM)).digest('hex');

  beforeAll(async () => {
    h = await startBrowserHarness();
    creator = await h.registerUser(['CREATOR'], 'Unlock Pictures');
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

  it('plays from the checkout return page, which turns from "still confirming" to Watch by itself; the device key comes from @noble/curves when WebCrypto lacks X25519', async () => {
    const second = await h.registerUser(['BUYER']);
    const checkout = await h.startCheckout(second, bundle.id);
    const bp = await open(second);
    const { context, page } = bp;
    // A browser without X25519 in WebCrypto (Safari before 17, older Firefox): generateKey says so.
    await context.addInitScript(() => {
      const subtle = SubtleCrypto.prototype as unknown as { generateKey: (...args: unknown[]) => Promise<unknown> };
      const generateKey = subtle.generateKey;
      subtle.generateKey = function (this: SubtleCrypto, ...args: unknown[]) {
        const alg = args[0] as string | { name?: string };
        const name = typeof alg === 'string' ? alg : alg?.name;
        if (String(name).toLowerCase() === 'x25519')
          return Promise.reject(new DOMException('X25519 is not supported', 'NotSupportedError'));
        return generateKey.apply(this, args);
      };
    });
    try {
      await page.goto(`/checkout/success?order_id=${checkout.orderId}`);
      await page.getByText('Still confirming your payment').waitFor();
      await checkout.pay();
      await page.getByText('Payment received: your license is active.').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Watch', exact: true }).click();
      await page.waitForFunction(
        () => (document.querySelector('video.unlock-player') as HTMLVideoElement)?.readyState >= 3,
        undefined,
        { timeout: 20_000 },
      );
      expect((await videoState(page)).error).toBeNull();
      const stored = await page.evaluate(
        () =>
          new Promise<string>((resolve, reject) => {
            const req = indexedDB.open('keyseed-device', 1);
            req.onerror = () => reject(req.error ?? new Error('no IndexedDB'));
            req.onsuccess = () => {
              const get = req.result.transaction('device').objectStore('device').get('key');
              get.onsuccess = () => resolve((get.result as { kind: string }).kind);
              get.onerror = () => reject(get.error ?? new Error('no key'));
            };
          }),
      );
      expect(stored).toBe('noble');
      await expectHealthyPage(bp, 'checkout success, watching');
      await screenshot(page, 'checkout-success-watch');
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

  it('saves through the File System Access API: the chosen file holds the original once verified', async () => {
    const bp = await h.newPage({ as: buyer });
    const { context, page } = bp;
    try {
      await page.goto('/library');
      await choosePrivateFile(page, 'saved.webm', 'what the user had');
      await page.getByRole('button', { name: 'Download', exact: true }).first().click();
      await page
        .getByRole('status')
        .filter({ hasText: `${PATH} saved and verified` })
        .waitFor({ timeout: 30_000 });
      expect(await privateFileSha256(page, 'saved.webm')).toBe(sha256);
      await expectHealthyPage(bp, 'library after a File System Access download');
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

      // Download over a file the user already had: refused, and that file is left as it was.
      await choosePrivateFile(page, 'kept.webm', 'what the user had');
      await page.getByRole('button', { name: 'Download', exact: true }).first().click();
      await page
        .locator('[data-unlock-error="CORRUPT_PIECE"]')
        .filter({ hasText: /piece 0/ })
        .waitFor();
      expect(await privateFileText(page, 'kept.webm')).toBe('what the user had');
    } finally {
      writeFileSync(locked, original);
      await context.close();
    }
  });

  it('refuses a Download that does not match the piece root sealed with the keys: the page says so, the chosen file is kept and the streamed download fails', async () => {
    // The film above was ingested with a piece root, so its Downloads checked that (not a whole-file SHA-256).
    const ingested = await h.prisma.item.findFirstOrThrow({ where: { bundleId: bundle.id } });
    expect(ingested.plaintextPieceRoot).toMatch(/^[0-9a-f]{64}$/);
    // Another copy, whose root is altered before any key for it is asked (the API caches each item's sealed fragment).
    const title = 'Test Card Wrong Root';
    const other = await h.publishBundle({
      creator,
      title,
      pieceLength: PIECE,
      files: [{ path: PATH, locked: true, file: FILM }],
      price: { amount: 900, currency: 'usd' },
    });
    await h.prisma.item.updateMany({ where: { bundleId: other.id }, data: { plaintextPieceRoot: 'ab'.repeat(32) } });
    // A buyer of its own: the refund test below expects one paid order of `buyer`.
    const rootBuyer = await h.registerUser(['BUYER']);
    await h.buy(rootBuyer, other.id);
    const mismatch =
      /the decrypted file's piece root is [0-9a-f]{64}, the key delivery says (ab){32}.*Nothing was kept/;
    const download = (page: Page) =>
      page.getByRole('article', { name: title }).getByRole('button', { name: 'Download', exact: true }).first();

    const fsa = await h.newPage({ as: rootBuyer });
    try {
      await fsa.page.goto('/library');
      await choosePrivateFile(fsa.page, 'kept-root.webm', 'what the user had');
      await download(fsa.page).click();
      const alert = fsa.page.locator('[data-unlock-error="PLAINTEXT_MISMATCH"]');
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).toMatch(mismatch);
      expect(await privateFileText(fsa.page, 'kept-root.webm')).toBe('what the user had');
    } finally {
      await fsa.context.close();
    }

    const { context, page } = await open(rootBuyer);
    try {
      await page.goto('/library');
      const [streamed] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        download(page).click(),
      ]);
      expect(await streamed.failure()).not.toBeNull();
      const alert = page.locator('[data-unlock-error="PLAINTEXT_MISMATCH"]');
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).toMatch(mismatch);
    } finally {
      await context.close();
    }
  });

  it('a premiere: a pre-order waits with a countdown (bundle page, catalog, library); the creator moves the release in the studio and Watch opens by itself when it comes, and plays', async () => {
    const setRelease = (releaseAt: string | null) =>
      h.api('PUT', `/v1/bundles/${bundle.id}/release`, creator.token, { releaseAt });
    await setRelease(new Date(Date.now() + 2 * 86_400_000).toISOString());
    const fan = await h.registerUser(['BUYER'], 'Premiere Fan');
    const fanBrowser = await open(fan);
    const studio = await h.newPage({ as: creator });
    const { page } = fanBrowser;
    try {
      await page.goto(`/b/${bundle.slug}`);
      await page
        .locator('.premiere')
        .getByText(/Releases .* · in (2 d 0 h|1 d 23 h)/)
        .waitFor();
      await page.getByRole('button', { name: 'Pre-order' }).waitFor();
      const visitor = await h.newPage();
      await visitor.page.goto(`/b/${bundle.slug}`);
      await visitor.page.getByRole('link', { name: 'Log in to pre-order' }).waitFor();
      await visitor.context.close();
      await page.goto('/');
      await page
        .locator('.badge-premiere')
        .getByText(/^Premiere · in (2 d 0 h|1 d 23 h)$/)
        .waitFor();
      await screenshot(page, 'catalog-premiere');

      await h.buy(fan, bundle.id); // the pre-order: paid, license ACTIVE, keys withheld
      await page.goto(`/b/${bundle.slug}`);
      await page.getByText('Pre-ordered', { exact: true }).waitFor();
      await page.getByRole('link', { name: 'Open in your library' }).click();
      await page.waitForURL(/\/library#license-/);
      await page.locator('.release-gate').getByText('Pre-ordered.').waitFor();
      expect(await page.getByRole('button', { name: 'Watch', exact: true }).count()).toBe(0);
      await expectHealthyPage(fanBrowser, 'library before the release');
      await screenshot(page, 'library-premiere');

      // The creator brings the release forward to a few seconds from now, in the browser's own time zone.
      await studio.page.goto(`/studio/${bundle.id}`);
      const form = studio.page.getByRole('form', { name: 'Premiere release' });
      await form.getByText(/in (2 d 0 h|1 d 23 h)/).waitFor();
      const soon = await studio.page.evaluate(() => {
        const d = new Date(Date.now() + 8_000);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      });
      await form.getByLabel(/^Move the release to/).fill(soon);
      await form.getByRole('button', { name: 'Move release' }).click();
      await form.getByText(/in [1-8] s$/).waitFor();
      await expectHealthyPage(studio, 'studio premiere');
      await screenshot(studio.page, 'studio-premiere');

      // The buyer's library (reloaded to see the new time) opens Watch by itself at the release.
      await page.reload();
      await page
        .locator('.release-gate')
        .getByText(/in [1-8] s/)
        .waitFor();
      const watch = page.getByRole('button', { name: 'Watch', exact: true });
      await watch.waitFor({ timeout: 15_000 });
      await watch.click();
      await page.waitForFunction(
        () => (document.querySelector('video.unlock-player') as HTMLVideoElement)?.readyState >= 2,
        undefined,
        { timeout: 20_000 },
      );
      await expectHealthyPage(fanBrowser, 'library after the release');
      const moves = await h.prisma.auditLog.findMany({
        where: { action: 'bundle.release.set', targetId: bundle.id },
        orderBy: { createdAt: 'asc' },
      });
      expect(moves.map((m) => m.actorId)).toEqual([creator.id, creator.id]);
    } finally {
      await setRelease(null);
      await fanBrowser.context.close();
      await studio.context.close();
    }
  });

  it("refunds the order from the admin page's order list; the refunded license's Watch then fails with the revoked-license message", async () => {
    const admin = await h.createAdmin();
    const bp = await h.newPage({ as: admin });
    const { page } = bp;
    try {
      await page.goto('/admin');
      await page.getByRole('heading', { name: 'Orders' }).waitFor();
      await page.getByLabel('Buyer e-mail').fill(buyer.email.toUpperCase());
      await page.getByLabel('State').selectOption('PAID');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      const row = page.locator(`tr[data-order="${order.orderId}"]`);
      // The unfiltered list shows first; then only this buyer's paid order.
      await poll('the filtered order list', async () => (await page.locator('table.orders tbody tr').count()) === 1);
      await row.waitFor();
      await expectHealthyPage(bp, 'admin orders');
      await screenshot(page, 'admin-orders');
      await row.getByRole('button', { name: /^Refund / }).click();
      await row.getByRole('button', { name: 'Confirm refund' }).click();
      // The list reloads with the order refunded and its license revoked (the filter still says PAID: it is gone).
      await page.getByText('No order matches.').waitFor({ timeout: 20_000 });
      await page.getByLabel('State').selectOption('REFUNDED');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await row.getByText('license revoked').waitFor();
    } finally {
      await bp.context.close();
    }
    const { context, page: buyerPage } = await open(buyer);
    try {
      await pressWatch(buyerPage);
      const alert = buyerPage.locator('[data-unlock-error="LICENSE_REVOKED"]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toMatch(/your license was revoked \(the order was refunded/);
    } finally {
      await context.close();
    }
  });

  it('admin page: a premiere released now, price history, a new price, and a takedown that stops the film for its buyers', async () => {
    const releaseAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
    await h.api('PUT', `/v1/bundles/${bundle.id}/release`, creator.token, { releaseAt });
    const admin = await h.createAdmin();
    const bp = await h.newPage({ as: admin });
    const { page } = bp;
    try {
      await page.goto('/admin');
      await page.getByLabel('Bundle title or slug').fill(bundle.slug);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('button', { name: 'Test Card Express' }).first().click();
      const controls = page.locator('.bundle-admin');
      await controls.getByRole('heading', { name: 'Price history' }).waitFor();
      await controls.getByRole('cell', { name: '$9.00' }).waitFor();
      const premiere = controls.getByRole('form', { name: 'Premiere release' });
      await premiere.getByText(/in (2 d 0 h|1 d 23 h)/).waitFor();
      await premiere.getByRole('button', { name: 'Release now' }).click();
      await controls.getByText(/^Released .*: buyers get their keys\.$/).waitFor();
      const audit = await h.prisma.auditLog.findFirstOrThrow({
        where: { action: 'bundle.release.set', targetId: bundle.id },
        orderBy: { createdAt: 'desc' },
      });
      expect(audit.actorId).toBe(admin.id);
      const price = controls.getByRole('form', { name: 'Set price' });
      await price.getByLabel('Price', { exact: true }).fill('12.50');
      await price.getByRole('button', { name: 'Set price' }).click();
      await controls.getByText('Current price: $12.50').waitFor();
      await controls.getByRole('cell', { name: '$12.50' }).waitFor();
      expect(await controls.locator('tbody tr').count()).toBe(2);

      await page.getByLabel('Reason (shown to the creator)').fill('Rights dispute, notice 2026-42');
      await page.getByRole('button', { name: 'Take down' }).click();
      await page.locator('.bundle-admin .badge', { hasText: 'Taken down' }).waitFor();
      await page.getByRole('button', { name: 'Restore bundle' }).waitFor();
      await expectHealthyPage(bp, 'admin bundle (taken down)');
      await screenshot(page, 'admin-bundle');
    } finally {
      await bp.context.close();
    }
    const anonymous = await open();
    try {
      await anonymous.page.goto(`/b/${bundle.slug}`);
      await anonymous.page.getByRole('heading', { name: /not found/i }).waitFor();
    } finally {
      await anonymous.context.close();
    }
  });
});

/** The blob-store file of a published bundle's `relPath` (the local-disk driver, DATA_DIR/blobs). */
function findPublished(dataDir: string, bundleId: string, relPath: string): string {
  const path = join(dataDir, 'blobs', 'published', bundleId, relPath);
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  throw new Error(`no ${relPath} in the blob store (${readdirSync(dataDir).join(', ')})`);
}

/**
 * Stubs the save dialog (a native dialog headless Chromium cannot show) to pick `name` in the origin's
 * private file system, a real FileSystemFileHandle, first written with `content` (what the user had there).
 */
async function choosePrivateFile(page: Page, name: string, content: string): Promise<void> {
  await page.evaluate(
    async ({ name, content }) => {
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle(name, { create: true });
      const out = await handle.createWritable();
      await out.write(content);
      await out.close();
      (window as unknown as { showSaveFilePicker: () => Promise<FileSystemFileHandle> }).showSaveFilePicker =
        async () => handle;
    },
    { name, content },
  );
}

async function privateFileText(page: Page, name: string): Promise<string> {
  return page.evaluate(
    async (n) => (await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile()).text(),
    name,
  );
}

async function privateFileSha256(page: Page, name: string): Promise<string> {
  return page.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
}
