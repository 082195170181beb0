/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expectHealthyPage,
  forgiveErrors,
  screenshot,
  startBrowserHarness,
  type BrowserHarness,
  type SessionUser,
} from './harness';

const CHUNK = 8 * 1024 * 1024;

/** The creator's side in Chromium: create, declare files, upload with tus (one dropped connection), ingest, publish. */
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

  it('creates a bundle, uploads through the file input resuming after a dropped connection, watches ingest, publishes; the bundle reaches the catalog', async () => {
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

    // Drop the connection under the second chunk once: tus-js-client asks the server for the offset and goes on from there.
    const patchOffsets: number[] = [];
    let dropped = false;
    await page.route('**/v1/uploads/**', async (route) => {
      const req = route.request();
      if (req.method() !== 'PATCH') return route.continue();
      const offset = Number(await req.headerValue('upload-offset'));
      patchOffsets.push(offset);
      if (!dropped && offset === CHUNK) {
        dropped = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.locator('input[type=file][data-item="film.mkv"]').setInputFiles(film);
    await page.locator('li[data-item="film.mkv"] [data-status="READY"]').waitFor({ timeout: 90_000 });
    expect(dropped).toBe(true);
    // After the drop the upload went on from the server's offset, never from zero.
    expect(patchOffsets).toEqual([0, CHUNK, CHUNK, 2 * CHUNK]);
    await page.unroute('**/v1/uploads/**');
    forgiveErrors(bp, /ERR_CONNECTION_RESET .*\/v1\/uploads\//);

    await page
      .locator('input[type=file][data-item="trailer.webm"]')
      .setInputFiles(join(__dirname, 'fixtures', 'trailer.webm'));
    await page.locator('li[data-item="trailer.webm"] [data-status="READY"]').waitFor({ timeout: 60_000 });
    await expectHealthyPage(bp, 'studio bundle (ready)');
    await screenshot(page, 'studio-bundle');

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('.page-head .badge', { hasText: 'Published' }).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: /^\/b\// }).click();
    await page.getByRole('heading', { name: title }).waitFor();

    await page.goto('/');
    await page.locator('.card', { hasText: title }).waitFor();
    await page.goto('/studio');
    await page.getByRole('row', { name: new RegExp(`${title}.*Published`) }).waitFor();
    await screenshot(page, 'studio');
    await expectHealthyPage(bp, 'studio list');
    await bp.context.close();
  });
});
