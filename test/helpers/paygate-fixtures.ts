import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { derivePieceKey, encryptPieceInto, generateContentKey, Keyring, wrapContentKey } from '@keyseed/crypto';
import { PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { StripeEmulator } from '@keyseed/stripe-emulator';
import { createAdminUser, registerUser, startTestApp, type TestUser } from './test-app';

export const E2E_STRIPE_SECRET_KEY = 'sk_test_keyseed_e2e';
export const E2E_WEBHOOK_SECRET = 'whsec_keyseed_e2e';

/**
 * Starts an in-process Stripe emulator and points the platform's config at it; call before
 * createApp(). Webhooks go nowhere until `emulator.setWebhookUrl()` (once the app listens).
 */
export async function startEmulatorForApp(): Promise<StripeEmulator> {
  const emulator = new StripeEmulator({
    webhookSecret: E2E_WEBHOOK_SECRET,
    retry: { maxAttempts: 1 },
    expirySweepMs: 0,
  });
  process.env.STRIPE_API_BASE = await emulator.start();
  process.env.STRIPE_SECRET_KEY = E2E_STRIPE_SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRET = E2E_WEBHOOK_SECRET;
  return emulator;
}

export interface PaygateApp {
  emulator: StripeEmulator;
  app: NestExpressApplication;
  http: App;
  prisma: PrismaService;
  stop(): Promise<void>;
}

/** The real API on a free port with an in-process Stripe emulator whose webhooks reach it. */
export async function startPaygateApp(): Promise<PaygateApp> {
  const emulator = await startEmulatorForApp();
  const app = await startTestApp();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  emulator.setWebhookUrl(`http://127.0.0.1:${port}/v1/stripe/webhook`);
  return {
    emulator,
    app,
    http: app.getHttpServer() as App,
    prisma: app.get(PrismaService),
    stop: async () => {
      await app.close();
      await emulator.stop();
    },
  };
}

/** A paygate e2e suite's platform, with an admin and a creator registered on it. */
export interface PaygateSuite extends PaygateApp {
  admin: TestUser;
  creator: TestUser;
}

/** startPaygateApp() with an admin and a creator (named `creatorName`) registered. */
export async function startPaygateSuite(creatorName?: string): Promise<PaygateSuite> {
  const started = await startPaygateApp();
  const admin = await createAdminUser(started.app);
  const creator = await registerUser(started.app, ['CREATOR'], creatorName);
  return { ...started, admin, creator };
}

/**
 * A PUBLISHED bundle of `owner` with one READY one-piece item, priced by the suite's admin through
 * the API. `sellerOfRecord: 'creator'` sells it in the creator's name (Stripe Connect).
 */
export async function createPricedBundle(
  suite: PaygateSuite,
  owner: TestUser,
  price: { amount: number; currency?: string; minimum?: number },
  opts: { title?: string; sellerOfRecord?: 'platform' | 'creator' } = {},
): Promise<string> {
  const id = await createPublishedBundle(suite.app, owner.id, opts.title);
  if (opts.sellerOfRecord === 'creator')
    await suite.prisma.bundle.update({ where: { id }, data: { platformSellerOfRecord: false } });
  await createReadyItem(suite.app, id, { pieceCount: 1 });
  await setBundlePrice(suite, id, price);
  return id;
}

/** The suite's admin prices `bundleId` through the API (`currency` usd unless given). */
export async function setBundlePrice(
  suite: PaygateSuite,
  bundleId: string,
  price: { amount: number; currency?: string; minimum?: number },
): Promise<void> {
  const { amount, currency = 'usd', minimum } = price;
  await request(suite.http)
    .put(`/v1/admin/bundles/${bundleId}/price`)
    .set(suite.admin.auth)
    .send({ amount, currency, ...(minimum ? { minimum } : {}) })
    .expect(200);
}

export interface ReadyItem {
  id: string;
  plaintext: Buffer;
  plaintextSha256: string;
  /** SHA-256 of the plaintext pieces' SHA-256s (docs/key-scheme.md), computed here independently. */
  plaintextPieceRoot: string;
  pieceLength: number;
  pieceCount: number;
  /** Ciphertext of each piece, as ingest would store it. */
  pieces: Buffer[];
}

/** A PUBLISHED bundle of `creatorId` (made in the DB: bundle creation belongs to another module). */
export async function createPublishedBundle(
  app: INestApplicationContext,
  creatorId: string,
  title = 'Paygate film',
): Promise<string> {
  const prisma = app.get(PrismaService);
  const slug = `paygate-${randomUUID().slice(0, 8)}`;
  const bundle = await prisma.bundle.create({
    data: {
      slug,
      title,
      creatorId,
      status: 'PUBLISHED',
      pieceLength: 16384,
      publishedAt: new Date(),
      // Sold in the platform's name: these tests are about orders, not paying creators (payouts e2e).
      platformSellerOfRecord: true,
    },
  });
  return bundle.id;
}

/**
 * A READY locked item as ingest leaves it: a fresh content key wrapped with the app's keyring,
 * each piece encrypted with its piece key, `pieceHashesV1` = SHA-1 of every ciphertext piece.
 */
export async function createReadyItem(
  app: INestApplicationContext,
  bundleId: string,
  opts: { pieceCount?: number; pieceLength?: number; previewPieces?: number; position?: number } = {},
): Promise<ReadyItem> {
  const pieceLength = opts.pieceLength ?? 16384;
  const pieceCount = opts.pieceCount ?? 3;
  const id = randomUUID();
  const plaintext = Buffer.alloc(pieceLength * (pieceCount - 1) + Math.ceil(pieceLength / 3));
  for (let i = 0; i < plaintext.length; i++) plaintext[i] = (i * 31 + 7) & 0xff;
  const ck = generateContentKey();
  const pieces: Buffer[] = [];
  const root = createHash('sha256');
  for (let i = 0; i < pieceCount; i++) {
    const src = plaintext.subarray(i * pieceLength, Math.min((i + 1) * pieceLength, plaintext.length));
    root.update(createHash('sha256').update(src).digest());
    const dst = Buffer.alloc(src.length);
    encryptPieceInto(derivePieceKey(ck, i), src, dst);
    pieces.push(dst);
  }
  const hashes = Buffer.concat(pieces.map((p) => createHash('sha1').update(p).digest()));
  const wrapped = wrapContentKey(app.get<Keyring>(KEYRING), id, ck);
  const plaintextSha256 = createHash('sha256').update(plaintext).digest('hex');
  const plaintextPieceRoot = root.digest('hex');
  await app.get(PrismaService).item.create({
    data: {
      id,
      bundleId,
      path: `film-${id.slice(0, 8)}.mkv`,
      position: opts.position ?? 0,
      locked: true,
      previewPieces: opts.previewPieces ?? 0,
      status: 'READY',
      size: BigInt(plaintext.length),
      pieceHashesV1: new Uint8Array(hashes),
      plaintextSha256,
      plaintextPieceRoot,
      wrappedKey: new Uint8Array(wrapped.wrappedKey),
      kekId: wrapped.kekId,
      ingestedAt: new Date(),
    },
  });
  return { id, plaintext, plaintextSha256, plaintextPieceRoot, pieceLength, pieceCount, pieces };
}
