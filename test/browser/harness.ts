/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright';
import { PrismaPg } from '@prisma/adapter-pg';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import Redis from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Upload } from 'tus-js-client';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaClient } from '@keyseed/database';
import { jsonCall } from '../../apps/cli/src/demo/json-call';
import { ensurePlatform, type PlatformHandle } from '../../apps/cli/src/demo/platform';
import { applyMigrations, defaultMigrationsDir, dropDatabase } from '../../libs/database/src/migrate';
import { freePort } from '../helpers/processes';

/**
 * Shared harness of the browser suites (`*.browser-spec.ts`): the real platform as `npm start` runs
 * it (scripts/start.js: migrations, Stripe emulator, API serving the built web app, worker) on this
 * run's database, Redis prefix and data directory, plus one headless Debian Chromium per suite.
 * Pages are opened from http://127.0.0.1:<port>. `npm test` builds the app first (pretest); run a
 * suite alone with `npm run build && npx jest test/browser/<name>.browser-spec.ts`.
 */
export const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENS_DIR = join(ROOT, 'test-artifacts', 'screens');
export const PASSWORD = 'correct horse battery staple';

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  token: string;
  /** The API's login answer, as the app keeps it in localStorage. */
  session: { user: unknown; token: string; expiresAt: string };
}

export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

export interface PublishedFile {
  path: string;
  locked: boolean;
  previewPieces?: number;
  /** A file on disk to upload. */
  file: string;
}

export interface BrowserHarness {
  /** http://127.0.0.1:<port>: the API and the web app. */
  baseUrl: string;
  stripeBase: string;
  browser: Browser;
  /** Scratch folder of this suite (removed by stop()). */
  workDir: string;
  /** The platform's DATA_DIR (inside workDir): its blob store. */
  dataDir: string;
  /** The suite's database, for tests that alter what the platform reads. */
  prisma: PrismaClient;
  api<T = unknown>(method: string, path: string, token?: string | null, body?: unknown): Promise<T>;
  registerUser(roles: ('CREATOR' | 'BUYER')[], name?: string): Promise<SessionUser>;
  createAdmin(): Promise<SessionUser>;
  /** A fresh browser context (own storage); `as` starts it logged in. */
  newPage(opts?: { as?: SessionUser; acceptDownloads?: boolean }): Promise<BrowserPage>;
  /** Creates, uploads (tus), waits for ingest, publishes and prices a bundle through the API. */
  publishBundle(opts: {
    creator: SessionUser;
    title: string;
    files: PublishedFile[];
    price?: { amount: number; currency: string; minimum?: number };
    pieceLength?: number;
  }): Promise<{ id: string; slug: string }>;
  /** Starts a checkout through the API; `pay()` completes it on the emulator (the webhook follows). */
  startCheckout(buyer: SessionUser, bundleId: string): Promise<{ orderId: string; pay(): Promise<void> }>;
  /** Buys through the API and completes the emulator's checkout; resolves once the license is ACTIVE. */
  buy(buyer: SessionUser, bundleId: string): Promise<{ orderId: string; licenseId: string }>;
  stop(): Promise<void>;
}

/** Removes this suite's Redis keys (the run's teardown only knows the run's own prefix). */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL!);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startBrowserHarness(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<BrowserHarness> {
  const workDir = mkdtempSync(join(tmpdir(), 'ks-browser-'));
  const [port, stripePort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  // A database, Redis prefix and blob store of its own: the catalog a page shows must hold only this suite's
  // bundles (other suites of the run publish rows whose files the platform does not have).
  const suite = randomBytes(3).toString('hex');
  const databaseUrl = new URL(process.env.DATABASE_URL!);
  databaseUrl.pathname = `${databaseUrl.pathname}_b${suite}`;
  await applyMigrations(databaseUrl.toString(), defaultMigrationsDir(), () => undefined);
  const dataDir = join(workDir, 'data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}_b${suite}`,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    STRIPE_EMULATOR_PORT: String(stripePort),
    SEEDER_PORT: '0', // the platform seed's BitTorrent port: any free one, so suites never collide
    STRIPE_SECRET_KEY: '',
    STRIPE_WEBHOOK_SECRET: '',
    STRIPE_API_BASE: '',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    WEB_DIR: join(ROOT, 'dist', 'web'),
    AUTH_REQUESTS_PER_MINUTE: '1000',
    ...opts.env,
  };
  for (const k of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE']) if (!env[k]) delete env[k];
  let platform: PlatformHandle | undefined;
  let browser: Browser | undefined;
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl.toString() }) });
  try {
    [platform, browser] = await Promise.all([
      ensurePlatform({
        repoRoot: ROOT,
        env,
        api: baseUrl,
        stripeBase: `http://127.0.0.1:${stripePort}`,
        logFile: join(workDir, 'platform.log'),
        timeoutMs: 90_000,
      }),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
    ]);
  } catch (err) {
    await browser?.close();
    await platform?.stop();
    await prisma.$disconnect();
    await dropDatabase(databaseUrl.toString());
    throw err;
  }
  const b = browser;
  const p = platform;

  const api = <T>(method: string, path: string, token?: string | null, body?: unknown) =>
    jsonCall<T>(baseUrl, method, path, token, body);

  const tag = () => randomBytes(4).toString('hex');
  const asUser = (s: {
    user: { id: string; email: string; displayName: string; roles: string[] };
    token: string;
    expiresAt: string;
  }): SessionUser => ({
    ...s.user,
    token: s.token,
    session: s,
  });

  const harness: BrowserHarness = {
    baseUrl,
    stripeBase: p.stripeBase,
    browser: b,
    workDir,
    dataDir,
    prisma,
    api,
    async registerUser(roles, name) {
      const email = `${roles.join('-').toLowerCase()}-${tag()}@example.test`;
      const displayName = name ?? `${roles.includes('CREATOR') ? 'Studio' : 'Viewer'} ${tag().slice(0, 4)}`;
      return asUser(await api('POST', '/v1/auth/register', null, { email, password: PASSWORD, displayName, roles }));
    },
    async createAdmin() {
      const email = `admin-${tag()}@example.test`;
      await ensureAdmin(prisma, email, PASSWORD, 'Browser admin');
      return asUser(await api('POST', '/v1/auth/login', null, { email, password: PASSWORD }));
    },
    async newPage(o = {}) {
      const context = await b.newContext({ acceptDownloads: o.acceptDownloads ?? false, baseURL: baseUrl });
      if (o.as) {
        const session = JSON.stringify(o.as.session);
        await context.addInitScript((s: string) => {
          if (!localStorage.getItem('keyseed.session')) localStorage.setItem('keyseed.session', s);
        }, session);
      }
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      return { page, context, errors };
    },
    async publishBundle(o) {
      const bundle = await api<{ id: string; slug: string }>('POST', '/v1/bundles', o.creator.token, {
        title: o.title,
        description: `${o.title}: a test bundle made by the browser harness.`,
        ...(o.pieceLength ? { pieceLength: o.pieceLength } : {}),
      });
      const { items } = await api<{ items: { id: string; path: string }[] }>(
        'POST',
        `/v1/bundles/${bundle.id}/items`,
        o.creator.token,
        { items: o.files.map((f) => ({ path: f.path, locked: f.locked, previewPieces: f.previewPieces ?? 0 })) },
      );
      for (const f of o.files) {
        const item = items.find((i) => i.path === f.path)!;
        await tusUpload(baseUrl, o.creator.token, bundle.id, item.id, f.file);
      }
      await poll('ingest', async () => {
        const v = await api<{ items: { status: string; failureReason: string | null }[] }>(
          'GET',
          `/v1/bundles/${bundle.id}`,
          o.creator.token,
        );
        const failed = v.items.find((i) => i.status === 'FAILED');
        if (failed) throw new Error(`ingest failed: ${failed.failureReason}`);
        return v.items.every((i) => i.status === 'READY');
      });
      await api('POST', `/v1/bundles/${bundle.id}/publish`, o.creator.token);
      await poll('publish', async () => {
        const v = await api<{ status: string; publishFailureReason: string | null }>(
          'GET',
          `/v1/bundles/${bundle.id}`,
          o.creator.token,
        );
        if (v.publishFailureReason) throw new Error(`publish failed: ${v.publishFailureReason}`);
        return v.status === 'PUBLISHED';
      });
      if (o.price) {
        const admin = await harness.createAdmin();
        await api('PUT', `/v1/admin/bundles/${bundle.id}/price`, admin.token, o.price);
        // Sold in the platform's name: the storefront tests do not onboard a creator payout account.
        await api('PUT', `/v1/admin/bundles/${bundle.id}/seller-of-record`, admin.token, { platform: true });
      }
      return bundle;
    },
    async startCheckout(buyer, bundleId) {
      const checkout = await api<{ orderId: string; checkoutUrl: string }>(
        'POST',
        `/v1/bundles/${bundleId}/checkout`,
        buyer.token,
        {},
      );
      const session = /\/(cs_[A-Za-z0-9_]+)/.exec(checkout.checkoutUrl)?.[1];
      if (!session) throw new Error(`no session id in ${checkout.checkoutUrl}`);
      return {
        orderId: checkout.orderId,
        async pay() {
          const res = await fetch(`${p.stripeBase}/_emulator/checkout/sessions/${session}/complete`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ outcome: 'succeeded', customer_email: buyer.email }),
          });
          if (!res.ok) throw new Error(`emulator refused to complete ${session}: ${res.status}`);
        },
      };
    },
    async buy(buyer, bundleId) {
      const checkout = await harness.startCheckout(buyer, bundleId);
      await checkout.pay();
      const licenseId = await poll('license', async () => {
        const o = await api<{ status: string; licenseId: string | null }>(
          'GET',
          `/v1/orders/${checkout.orderId}`,
          buyer.token,
        );
        return o.status === 'PAID' ? o.licenseId : null;
      });
      return { orderId: checkout.orderId, licenseId };
    },
    async stop() {
      await b.close().catch(() => undefined);
      await p.stop();
      await prisma.$disconnect();
      await dropDatabase(databaseUrl.toString());
      await deleteRedisKeys(env.REDIS_PREFIX!);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return harness;
}

async function tusUpload(api: string, token: string, bundleId: string, itemId: string, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint: `${api}/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { bundleId, itemId, filename: path.split('/').pop()! },
      uploadSize: statSync(path).size,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000],
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

/**
 * Drops console errors a test provoked on purpose (the browser logs every refused request, e.g. the
 * 400 whose message a form shows, or a connection the test cut).
 */
export function forgiveErrors(bp: BrowserPage, ...patterns: RegExp[]): void {
  const kept = bp.errors.filter((e) => !patterns.some((p) => p.test(e)));
  bp.errors.splice(0, bp.errors.length, ...kept);
}

/** No console error so far, and no serious or critical axe-core violation on the page as it is now. */
export async function expectHealthyPage(bp: BrowserPage, label: string): Promise<void> {
  const results = await new AxeBuilder({ page: bp.page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect({ page: label, errors: bp.errors, accessibility: serious }).toEqual({
    page: label,
    errors: [],
    accessibility: [],
  });
}

/** Writes test-artifacts/screens/<name>.png (gitignored) for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`), fullPage: true });
}
