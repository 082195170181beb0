/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expectHealthyPage,
  forgiveErrors,
  PASSWORD,
  screenshot,
  startBrowserHarness,
  type BrowserHarness,
} from './harness';

/** The buyer's side in Chromium: register on the account page, pay what you want through the emulator's checkout, land on the library. */
describe('buyer (browser)', () => {
  let h: BrowserHarness;
  let bundle: { id: string; slug: string };
  const title = `Salt Marsh ${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    h = await startBrowserHarness();
    const creator = await h.registerUser(['CREATOR'], 'Estuary Pictures');
    const film = join(h.workDir, 'film.mkv');
    writeFileSync(film, randomBytes(100_000));
    bundle = await h.publishBundle({
      creator,
      title,
      pieceLength: 16384,
      files: [{ path: 'film.mkv', locked: true, file: film }],
      price: { amount: 1200, currency: 'eur', minimum: 500 },
    });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('registers, pays what they want through the checkout page, and finds the active license in the library', async () => {
    const bp = await h.newPage();
    const { page } = bp;
    await page.goto(`/b/${bundle.slug}`);
    await page.getByText('Pay what you want from €5.00').waitFor();
    await page.getByRole('link', { name: 'Log in to buy' }).click();
    await page.waitForURL(/\/account\?next=/);
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Name shown to others').fill('Marsh Viewer');
    await page.getByLabel('E-mail').fill(`viewer-${randomBytes(4).toString('hex')}@example.test`);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The API's message lands next to the field it names.
    await page
      .locator('.field-invalid')
      .filter({ hasText: /password must be longer/ })
      .waitFor();
    await screenshot(page, 'account-register');
    forgiveErrors(bp, /status of 400 .*\/v1\/auth\/register\)$/);
    await expectHealthyPage(bp, 'account (register, with an error)');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(new RegExp(`/b/${bundle.slug}$`));

    await page.getByLabel('Your price (EUR)').fill('3');
    await page.getByRole('button', { name: 'Buy' }).click();
    await page
      .locator('form[aria-label="Buy"] [role="alert"]')
      .filter({ hasText: /minimum|at least|500/ })
      .waitFor();
    forgiveErrors(bp, /status of 400 .*\/checkout\)$/);
    await page.getByLabel('Your price (EUR)').fill('8.50');
    await page.getByRole('button', { name: 'Buy' }).click();
    await page.waitForURL((url) => url.href.startsWith(h.stripeBase));
    await page.getByText('€8.50').or(page.getByText('8.50')).first().waitFor();
    await page.getByRole('button', { name: 'succeeded', exact: true }).click();
    // The emulator's pay page is not ours (it has no icon, so the browser's /favicon.ico request fails there).
    forgiveErrors(bp, /\/favicon\.ico\)$/);

    await page.waitForURL(/\/checkout\/success\?order_id=/);
    await page.getByText('Payment received: your license is active.').waitFor({ timeout: 30_000 });
    await expectHealthyPage(bp, 'checkout success');
    await screenshot(page, 'checkout-success');
    await page.getByRole('link', { name: 'Open your library' }).click();
    await page.waitForURL(/\/library/);
    await page.getByRole('heading', { name: title }).waitFor();
    await page.getByText('Active', { exact: false }).first().waitFor();
    await expectHealthyPage(bp, 'library');
    await screenshot(page, 'library');

    await page.goto('/account');
    await page.getByLabel('Token name').fill('laptop CLI');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('shown once, copy it now').waitFor();
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(/^revoked /).waitFor();
    await expectHealthyPage(bp, 'account');
    await screenshot(page, 'account');
    await bp.context.close();
  });

  it('shows a cancelled checkout and an unknown order plainly', async () => {
    const bp = await h.newPage();
    await bp.page.goto('/checkout/success?order_id=00000000-0000-4000-8000-000000000000');
    await bp.page.getByRole('heading', { name: 'Order not found' }).waitFor();
    forgiveErrors(bp, /status of 404 .*\/v1\/checkout\/orders\//);
    await bp.page.goto('/checkout/cancel?order_id=00000000-0000-4000-8000-000000000000');
    await bp.page.getByText('You were not charged').waitFor();
    forgiveErrors(bp, /status of 404 .*\/v1\/checkout\/orders\//);
    await expectHealthyPage(bp, 'checkout cancel');
    await bp.context.close();
  });

  it('asks to log in again when the session has expired', async () => {
    const buyer = await h.registerUser(['BUYER']);
    const bp = await h.newPage({ as: buyer });
    await h.api('POST', '/v1/auth/logout', buyer.token);
    await bp.page.goto('/account');
    await bp.page.getByText('Your session has expired').waitFor();
    forgiveErrors(bp, /status of 401/);
    await expectHealthyPage(bp, 'expired session');
    await bp.context.close();
  });
});
