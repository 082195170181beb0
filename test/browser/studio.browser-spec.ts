/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import {
  expectHealthyPage,
  forgiveErrors,
  screenshot,
  startBrowserHarness,
  type BrowserHarness,
  type SessionUser,
} from './harness';

const CHUNK = 8 * 1024 * 1024;

/**
 * The creator's side in Chromium: create, declare files, upload with tus (a dropped connection, a page reload
 * mid-upload, a drag-and-drop), ingest, publish.
 */
describe('creator studio (browser)', () => {
  let h: BrowserHarness;
  let creator: SessionUser;

  beforeAll(async () => {
    h = await startBrowserHarness();
    creator = await h.registerUser(['CREATOR'], 'Harbour Films');
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('creates a bundle, uploads through the file input (resuming after a dropped connection and after a page reload) and by drag and drop, watches ingest, publishes; the bundle reaches the catalog', async () => {
    const film = join(h.workDir, 'film.mkv');
    writeFileSync(film, randomBytes(2 * CHUNK + 123_457));
    const title = `Harbour Lights ${randomBytes(3).toString('hex')}`;
    const bp = await h.newPage({ as: creator });
    const { page } = bp;

    await page.goto('/studio');
    await page.getByRole('heading', { name: 'Creator studio' }).waitFor();
    await expectHealthyPage(bp, 'studio');
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Description').fill('A night on the harbour, shot on 16 mm.');
    await page.getByRole('button', { name: 'Create bundle' }).click();
    await page.waitForURL(/\/studio\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: title }).waitFor();

    // A path the API refuses: its message shows next to the field.
    await page.getByLabel('Path in the bundle').fill('../outside.mkv');
    await page.getByRole('button', { name: 'Add file' }).click();
    await page.locator('.field-invalid .field-error').filter({ hasText: /path/ }).waitFor();
    forgiveErrors(bp, /status of 400 .*\/items\)$/);

    await page.getByLabel('Path in the bundle').fill('film.mkv');
    await page.getByRole('button', { name: 'Add file' }).click();
    await page.locator('li[data-item="film.mkv"]').waitFor();
    await page.getByLabel('Path in the bundle').fill('trailer.webm');
    await page.getByLabel(/^Locked/).uncheck();
    await page.getByRole('button', { name: 'Add file' }).click();
    await page.locator('li[data-item="trailer.webm"]').waitFor();

    // The film through the file input. The connection drops under the second chunk once: tus-js-client asks the
    // server for the offset and goes on from there. Then the page is reloaded under the third chunk; choosing the
    // same file again resumes from the server's offset (tus fingerprint in localStorage), never from zero.
    const patchOffsets: number[] = [];
    let dropped = false;
    let held: Route | null = null;
    const heldThird = new Promise<void>((resolve) => {
      void page.route('**/v1/uploads/**', async (route) => {
        const req = route.request();
        if (req.method() !== 'PATCH') return route.continue();
        const offset = Number(await req.headerValue('upload-offset'));
        patchOffsets.push(offset);
        if (!dropped && offset === CHUNK) {
          dropped = true;
          return route.abort('connectionreset');
        }
        if (!held && offset === 2 * CHUNK) {
          held = route;
          return resolve();
        }
        return route.continue();
      });
    });
    await page.locator('input[type=file][data-item="film.mkv"]').setInputFiles(film);
    await heldThird;
    // The studio declared the film's size before sending it: the piece length follows the declared total.
    const declared = await fetch(new URL(page.url().replace(/.*\/studio\//, '/v1/bundles/'), h.baseUrl), {
      headers: { authorization: `Bearer ${creator.token}` },
    }).then((r) => r.json() as Promise<{ items: { path: string; declaredSize: number | null }[] }>);
    expect(declared.items.find((i) => i.path === 'film.mkv')?.declaredSize).toBe(2 * CHUNK + 123_457);
    await page.reload();
    await (held as Route | null)?.abort().catch(() => undefined);
    await page.locator('input[type=file][data-item="film.mkv"]').waitFor({ state: 'attached' });
    // What the server holds: two chunks (the tus upload URL is the one the page remembered for this file).
    const remembered = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('tus::keyseed-'))
        .map((k) => (JSON.parse(localStorage.getItem(k)!) as { uploadUrl: string }).uploadUrl),
    );
    expect(remembered).toHaveLength(1);
    const head = await fetch(new URL(remembered[0], h.baseUrl), {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${creator.token}` },
    });
    expect(head.headers.get('upload-offset')).toBe(String(2 * CHUNK));
    await page.locator('input[type=file][data-item="film.mkv"]').setInputFiles(film);
    await page.locator('li[data-item="film.mkv"] [data-status="READY"]').waitFor({ timeout: 90_000 });
    expect(dropped).toBe(true);
    expect(patchOffsets).toEqual([0, CHUNK, CHUNK, 2 * CHUNK, 2 * CHUNK]);
    await page.unroute('**/v1/uploads/**');
    forgiveErrors(bp, /ERR_CONNECTION_RESET .*\/v1\/uploads\//, /ERR_FAILED .*\/v1\/uploads\//);

    // The trailer by drag and drop: a real drop event carrying the file in its DataTransfer.
    const trailer = readFileSync(join(__dirname, 'fixtures', 'trailer.webm')).toString('base64');
    const dropzone = page.locator('li[data-item="trailer.webm"] .dropzone');
    const dataTransfer = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'trailer.webm', { type: 'video/webm' }));
      return dt;
    }, trailer);
    await dropzone.dispatchEvent('dragenter', { dataTransfer });
    await dropzone.dispatchEvent('dragover', { dataTransfer });
    await dropzone.dispatchEvent('drop', { dataTransfer });
    await page.locator('li[data-item="trailer.webm"] [data-status="READY"]').waitFor({ timeout: 60_000 });
    await expectHealthyPage(bp, 'studio bundle (ready)');
    await screenshot(page, 'studio-bundle');

    // Published as a premiere a week from now (the picker's default), then released at once.
    await page.getByLabel(/^Premiere: sell pre-orders/).check();
    await page.getByLabel('Release time').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('.page-head .badge', { hasText: 'Published' }).waitFor({ timeout: 60_000 });
    const release = page.getByRole('form', { name: 'Premiere release' });
    await release.getByText(/^Releases .* · in (7 d|6 d) /).waitFor();
    await release.getByRole('button', { name: 'Release now' }).click();
    await page.getByText(/^Released .*: buyers get their keys\.$/).waitFor();
    await page.getByRole('link', { name: /^\/b\// }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    expect(await page.locator('.premiere').count()).toBe(0);

    await page.goto('/');
    await page.locator('.card', { hasText: title }).waitFor();
    await page.goto('/studio');
    await page.getByRole('row', { name: new RegExp(`${title}.*Published`) }).waitFor();
    await screenshot(page, 'studio');
    await expectHealthyPage(bp, 'studio list');
    await bp.context.close();
  });
});
