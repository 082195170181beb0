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

/** The public storefront in Chromium: catalog cards, search, the bundle page with its free trailer. */
describe('storefront (browser)', () => {
  let h: BrowserHarness;
  let creator: SessionUser;
  let bundle: { id: string; slug: string };
  const title = `Night Train ${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    h = await startBrowserHarness();
    creator = await h.registerUser(['CREATOR'], 'Lumen Pictures');
    const film = join(h.workDir, 'film.mkv');
    writeFileSync(film, randomBytes(300_000));
    bundle = await h.publishBundle({
      creator,
      title,
      pieceLength: 16384,
      files: [
        { path: 'film.mkv', locked: true, previewPieces: 2, file: film },
        { path: 'trailer.webm', locked: false, file: join(__dirname, 'fixtures', 'trailer.webm') },
        { path: 'poster.jpg', locked: false, file: join(__dirname, 'fixtures', 'poster.jpg') },
      ],
      price: { amount: 900, currency: 'eur' },
    });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('lists the bundle as a card with its poster and price, and finds it by title', async () => {
    const bp = await h.newPage();
    const { page } = bp;
    await page.goto('/');
    const card = page.locator('.card', { hasText: title });
    await card.waitFor();
    await expect(card.locator('.price').textContent()).resolves.toMatch(/9[.,]00/);
    await card
      .locator('img')
      .evaluate((img: HTMLImageElement) =>
        img.complete && img.naturalWidth ? undefined : new Promise((r) => img.addEventListener('load', r)),
      );
    expect(await card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    await expectHealthyPage(bp, 'catalog');
    await screenshot(page, 'catalog');

    await page.getByLabel('Search by title').fill(title.split(' ')[2]);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\?q=/);
    // Other suites publish bundles into the same catalog: only this one matches its title.
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
    await page.locator('.card', { hasText: title }).waitFor();
    await page.getByLabel('Search by title').fill('no film has this title');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No bundle title matches').waitFor();
    await bp.context.close();
  });

  it('shows the bundle page: description, files with sizes, a trailer that plays from the webseed, torrents and CLI', async () => {
    const bp = await h.newPage();
    const { page } = bp;
    await page.goto(`/b/${bundle.slug}`);
    await page.getByRole('heading', { name: title }).waitFor();
    await page.getByText('a test bundle made by the browser harness').waitFor();
    await expect(page.locator('table.items tbody tr').count()).resolves.toBe(3);
    await page.getByRole('row', { name: /film\.mkv.*300 KB.*Locked/ }).waitFor();
    const video = page.locator('video[aria-label="Free: trailer.webm"]');
    expect(await video.getAttribute('src')).toBe(`/webseed/${bundle.slug}/trailer.webm`);
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
    });
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video');
        return v !== null && v.readyState >= 3 && v.currentTime > 0.3;
      },
      undefined,
      { timeout: 15_000 },
    );
    await page.getByRole('link', { name: '.torrent (hybrid v1+v2)' }).waitFor();
    await page.getByRole('link', { name: '.torrent (v1 only)' }).waitFor();
    expect(await page.getByRole('link', { name: 'Magnet link' }).getAttribute('href')).toMatch(
      /^magnet:\?xt=urn:btih:/,
    );
    await page.getByText(`npx keyseed get ${bundle.slug}`).waitFor();
    await page.getByRole('link', { name: 'Log in to buy' }).waitFor();
    await expectHealthyPage(bp, 'bundle page');
    await screenshot(page, 'bundle');
    await bp.context.close();
  });

  it('says so when a bundle does not exist', async () => {
    const bp = await h.newPage();
    await bp.page.goto('/b/no-such-bundle-here');
    await bp.page.getByRole('heading', { name: 'Bundle not found' }).waitFor();
    // The 404 from the API is expected here: it is the answer the page explains.
    forgiveErrors(bp, /status of 404 .*\/v1\/catalog\/no-such-bundle-here\)$/);
    await expectHealthyPage(bp, 'missing bundle');
    await bp.context.close();
  });

  it('redeems a code from its link (/redeem?code=…): asks to log in first, then the film is in the library; a used code says so', async () => {
    const batch = await h.api<{ csvUrl: string }>('POST', `/v1/bundles/${bundle.id}/redeem-batches`, creator.token, {
      count: 1,
      label: 'press',
    });
    const csv = await fetch(`${h.baseUrl}${batch.csvUrl}`, { headers: { authorization: `Bearer ${creator.token}` } });
    const code = (await csv.text()).split('\n')[1].split(',')[0];

    const anonymous = await h.newPage();
    await anonymous.page.goto(`/redeem?code=${code}`);
    await anonymous.page.getByRole('link', { name: 'log in or register' }).waitFor();
    await anonymous.context.close();

    const buyer = await h.registerUser(['BUYER'], 'Press Reviewer');
    const bp = await h.newPage({ as: buyer });
    await bp.page.goto(`/redeem?code=${code}`);
    await expect(bp.page.getByRole('textbox', { name: 'Code' }).inputValue()).resolves.toBe(code);
    await bp.page.getByRole('button', { name: 'Redeem' }).click();
    await bp.page.getByText('Code redeemed').waitFor();
    await expectHealthyPage(bp, 'redeem');
    await screenshot(bp.page, 'redeem');
    const licenses = await h.api<{ bundle: { id: string }; status: string }[]>('GET', '/v1/licenses', buyer.token);
    expect(licenses.filter((l) => l.bundle.id === bundle.id).map((l) => l.status)).toEqual(['ACTIVE']);

    const other = await h.registerUser(['BUYER'], 'Late Reviewer');
    const late = await h.newPage({ as: other });
    await late.page.goto(`/redeem?code=${code}`);
    await late.page.getByRole('button', { name: 'Redeem' }).click();
    await late.page.getByText(/already (been )?used|used already/i).waitFor();
    forgiveErrors(late, /status of 409/);
    await late.context.close();
    await bp.context.close();
  });
});
