import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { generateDeviceKeyPair } from '@keyseed/crypto';
import { PrismaService } from '@keyseed/database';
import { createPublishedBundle, createReadyItem } from '../helpers/paygate-fixtures';
import { createAdminUser, registerUser, startTestApp, TestUser } from '../helpers/test-app';

const TUS = { 'Tus-Resumable': '1.0.0' };
const meta = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
const UPLOAD_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'SEARCH'];
/** The tus routes: a catch-all the OpenAPI document describes in prose rather than as operations. */
const TUS_ROUTES = ['OPTIONS', ...UPLOAD_METHODS].flatMap((m) => [`${m} /v1/uploads`, `${m} /v1/uploads/{path}`]);

type Caller = 'anonymous' | 'buyer' | 'creator';

/**
 * One documented route: what each caller that does not own the target gets. `buyer` and `creator`
 * are accounts with only that role, other than the owner (creator A of the bundles, buyer A of the
 * order, license and device). Owners get 2xx and admins pass every check (see the other e2e specs).
 * A missing caller is not asked: the call would succeed and change something (logout, checkout…),
 * or it is proven elsewhere (`provenIn`, rows not re-run here).
 */
interface RouteRule {
  route: string;
  path: () => string;
  body?: object;
  expected: Partial<Record<Caller, number>>;
  provenIn?: string;
}

describe('authorization (e2e): every route checks who is asking', () => {
  let app: NestExpressApplication;
  let http: App;
  let prisma: PrismaService;
  let admin: TestUser;
  /** Owner of every bundle below. */
  let creatorA: TestUser;
  let creatorB: TestUser;
  /** Owner of the order, license, device and personal token below. */
  let buyerA: TestUser;
  let buyerB: TestUser;
  let draft: { id: string; slug: string; itemId: string };
  let published: { id: string; slug: string };
  let uploadId: string;
  let orderId: string;
  let licenseId: string;
  let deviceId: string;
  let tokenId: string;
  let discountCodeId: string;
  let redeemBatchId: string;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    admin = await createAdminUser(app);
    creatorA = await registerUser(app, ['CREATOR'], 'Studio A');
    creatorB = await registerUser(app, ['CREATOR'], 'Studio B');
    buyerA = await registerUser(app, ['BUYER']);
    buyerB = await registerUser(app, ['BUYER']);

    const bundle = (
      await request(http).post('/v1/bundles').set(creatorA.auth).send({ title: 'Secret Draft' }).expect(201)
    ).body;
    const items = (
      await request(http)
        .post(`/v1/bundles/${bundle.id}/items`)
        .set(creatorA.auth)
        .send({ items: [{ path: 'film.mkv' }] })
        .expect(201)
    ).body.items;
    draft = { id: bundle.id, slug: bundle.slug, itemId: items[0].id };
    // A READY item with preview pieces: only the draft status keeps its preview keys back.
    await createReadyItem(app, draft.id, { previewPieces: 1, position: 1 });
    uploadId = await createUpload(creatorA, draft.id, draft.itemId);

    const publishedId = await createPublishedBundle(app, creatorA.id);
    await createReadyItem(app, publishedId, { previewPieces: 1 });
    published = { id: publishedId, slug: (await prisma.bundle.findUniqueOrThrow({ where: { id: publishedId } })).slug };
    const order = await prisma.order.create({
      data: {
        bundleId: publishedId,
        buyerId: buyerA.id,
        amount: 1500,
        currency: 'usd',
        status: 'PAID',
        paidAt: new Date(),
      },
    });
    orderId = order.id;
    licenseId = (await prisma.license.create({ data: { orderId, bundleId: publishedId, buyerId: buyerA.id } })).id;
    deviceId = (
      await request(http)
        .post(`/v1/licenses/${licenseId}/devices`)
        .set(buyerA.auth)
        .send({ publicKey: generateDeviceKeyPair().publicKey })
        .expect(201)
    ).body.id;
    tokenId = (await request(http).post('/v1/me/tokens').set(buyerA.auth).send({ name: 'cli' }).expect(201)).body.id;
    discountCodeId = (
      await request(http)
        .post('/v1/discount-codes')
        .set(creatorA.auth)
        .send({ code: 'AUTHZ', bundleId: publishedId, percentOff: 10 })
        .expect(201)
    ).body.id;
    redeemBatchId = (
      await request(http)
        .post(`/v1/bundles/${publishedId}/redeem-batches`)
        .set(creatorA.auth)
        .send({ count: 2 })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => app.close());

  async function createUpload(user: TestUser, bundleId: string, itemId: string, length = 1000): Promise<string> {
    const res = await request(http)
      .post('/v1/uploads')
      .set(user.auth)
      .set(TUS)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', meta({ bundleId, itemId }))
      .expect(201);
    return new URL(res.headers.location, 'http://x').pathname.split('/').pop()!;
  }

  const callers = (): Record<Caller, TestUser | null> => ({ anonymous: null, buyer: buyerB, creator: creatorB });
  const adminOnly = { anonymous: 401, buyer: 403, creator: 403 };
  const othersBundle = { anonymous: 401, buyer: 403, creator: 403 };
  const othersPurchase = { anonymous: 401, buyer: 403, creator: 403 };

  const rules = (): RouteRule[] => [
    // Public by design.
    { route: 'GET /health', path: () => '/health', expected: { anonymous: 200 }, provenIn: 'accounts' },
    {
      route: 'POST /v1/auth/register',
      path: () => '/v1/auth/register',
      expected: { anonymous: 201 },
      provenIn: 'accounts',
    },
    { route: 'POST /v1/auth/login', path: () => '/v1/auth/login', expected: { anonymous: 200 }, provenIn: 'accounts' },
    {
      route: 'GET /v1/checkout/orders/{id}',
      path: () => `/v1/checkout/orders/${orderId}`,
      expected: { anonymous: 200 },
      provenIn: 'checkout-return',
    },
    {
      route: 'POST /v1/stripe/webhook',
      path: () => '/v1/stripe/webhook',
      expected: { anonymous: 400 },
      provenIn: 'paygate (signature, not token)',
    },
    { route: 'GET /announce', path: () => '/announce', expected: { anonymous: 200 }, provenIn: 'tracker' },
    { route: 'GET /scrape', path: () => '/scrape', expected: { anonymous: 200 }, provenIn: 'tracker' },
    { route: 'GET /v1/catalog', path: () => '/v1/catalog', expected: { anonymous: 200, buyer: 200, creator: 200 } },
    {
      route: 'GET /v1/catalog/{slug}',
      path: () => `/v1/catalog/${draft.slug}`,
      expected: { anonymous: 404, buyer: 404, creator: 404 },
      provenIn: 'bundles',
    },
    {
      route: 'GET /v1/catalog/{slug}/torrent',
      path: () => `/v1/catalog/${draft.slug}/torrent`,
      expected: { anonymous: 404, buyer: 404, creator: 404 },
    },
    {
      route: 'GET /v1/catalog/{slug}/torrent/v1',
      path: () => `/v1/catalog/${draft.slug}/torrent/v1`,
      expected: { anonymous: 404, buyer: 404, creator: 404 },
    },
    {
      route: 'POST /v1/bundles/{id}/preview-keys',
      path: () => `/v1/bundles/${draft.id}/preview-keys`,
      body: { publicKey: generateDeviceKeyPair().publicKey },
      expected: { anonymous: 404, creator: 404 },
    },

    // Any account, acting on its own rows only.
    { route: 'POST /v1/auth/logout', path: () => '/v1/auth/logout', expected: { anonymous: 401 } },
    { route: 'GET /v1/me', path: () => '/v1/me', expected: { anonymous: 401 } },
    { route: 'POST /v1/me/tokens', path: () => '/v1/me/tokens', body: { name: 'x' }, expected: { anonymous: 401 } },
    { route: 'GET /v1/me/tokens', path: () => '/v1/me/tokens', expected: { anonymous: 401 } },
    {
      route: 'PUT /v1/me/password',
      path: () => '/v1/me/password',
      body: { currentPassword: 'x', newPassword: 'long enough password' },
      expected: { anonymous: 401 },
    },
    {
      route: 'DELETE /v1/me/tokens/{tokenId}',
      path: () => `/v1/me/tokens/${tokenId}`,
      expected: { anonymous: 401, buyer: 404, creator: 404 },
    },
    { route: 'GET /v1/orders', path: () => '/v1/orders', expected: { anonymous: 401 } },
    { route: 'GET /v1/orders/{id}', path: () => `/v1/orders/${orderId}`, expected: othersPurchase },
    { route: 'GET /v1/licenses', path: () => '/v1/licenses', expected: { anonymous: 401 } },
    { route: 'GET /v1/licenses/{id}', path: () => `/v1/licenses/${licenseId}`, expected: othersPurchase },
    {
      route: 'POST /v1/licenses/{id}/devices',
      path: () => `/v1/licenses/${licenseId}/devices`,
      body: { publicKey: generateDeviceKeyPair().publicKey },
      expected: othersPurchase,
    },
    {
      route: 'GET /v1/licenses/{id}/devices',
      path: () => `/v1/licenses/${licenseId}/devices`,
      expected: othersPurchase,
    },
    {
      route: 'DELETE /v1/licenses/{id}/devices/{deviceId}',
      path: () => `/v1/licenses/${licenseId}/devices/${deviceId}`,
      expected: othersPurchase,
    },
    {
      route: 'POST /v1/licenses/{id}/keys',
      path: () => `/v1/licenses/${licenseId}/keys`,
      body: { deviceId: '00000000-0000-4000-8000-000000000000' },
      expected: othersPurchase,
    },
    {
      route: 'POST /v1/bundles/{id}/checkout',
      path: () => `/v1/bundles/${published.id}/checkout`,
      body: {},
      expected: { anonymous: 401, creator: 403 },
    },

    // Creators, on their own bundles only.
    {
      route: 'POST /v1/bundles',
      path: () => '/v1/bundles',
      body: { title: 'x' },
      expected: { anonymous: 401, buyer: 403 },
    },
    {
      route: 'GET /v1/bundles',
      path: () => '/v1/bundles',
      expected: { anonymous: 401, buyer: 403 },
      provenIn: 'bundles',
    },
    { route: 'GET /v1/bundles/{id}', path: () => `/v1/bundles/${draft.id}`, expected: othersBundle },
    {
      route: 'PATCH /v1/bundles/{id}',
      path: () => `/v1/bundles/${draft.id}`,
      body: { title: 'mine now' },
      expected: othersBundle,
    },
    { route: 'DELETE /v1/bundles/{id}', path: () => `/v1/bundles/${draft.id}`, expected: othersBundle },
    { route: 'POST /v1/bundles/{id}/publish', path: () => `/v1/bundles/${draft.id}/publish`, expected: othersBundle },
    { route: 'POST /v1/bundles/{id}/unlist', path: () => `/v1/bundles/${published.id}/unlist`, expected: othersBundle },
    { route: 'POST /v1/bundles/{id}/relist', path: () => `/v1/bundles/${published.id}/relist`, expected: othersBundle },
    {
      route: 'PUT /v1/bundles/{id}/release',
      path: () => `/v1/bundles/${published.id}/release`,
      body: { releaseAt: null },
      expected: othersBundle,
    },
    {
      route: 'POST /v1/bundles/{id}/items',
      path: () => `/v1/bundles/${draft.id}/items`,
      body: { items: [{ path: 'x.bin' }] },
      expected: othersBundle,
    },
    {
      route: 'PUT /v1/bundles/{id}/items/order',
      path: () => `/v1/bundles/${draft.id}/items/order`,
      body: { itemIds: [draft.itemId] },
      expected: othersBundle,
    },
    {
      route: 'PATCH /v1/bundles/{id}/items/{itemId}',
      path: () => `/v1/bundles/${draft.id}/items/${draft.itemId}`,
      body: { path: 'y.bin' },
      expected: othersBundle,
    },
    {
      route: 'DELETE /v1/bundles/{id}/items/{itemId}',
      path: () => `/v1/bundles/${draft.id}/items/${draft.itemId}`,
      expected: othersBundle,
    },
    { route: 'GET /v1/bundles/{id}/sales', path: () => `/v1/bundles/${published.id}/sales`, expected: othersBundle },
    { route: 'GET /v1/bundles/{id}/egress', path: () => `/v1/bundles/${published.id}/egress`, expected: othersBundle },
    {
      route: 'PUT /v1/bundles/{id}/email-gate',
      path: () => `/v1/bundles/${published.id}/email-gate`,
      body: { enabled: true },
      expected: othersBundle,
    },
    {
      route: 'GET /v1/bundles/{id}/email-gate/fans.csv',
      path: () => `/v1/bundles/${published.id}/email-gate/fans.csv`,
      expected: othersBundle,
    },
    // The email gate's public side: a draft's gate is invisible, its sign-up refused, a made-up token unknown.
    {
      route: 'GET /v1/bundles/{id}/email-gate',
      path: () => `/v1/bundles/${draft.id}/email-gate`,
      expected: { anonymous: 404, buyer: 404, creator: 404 },
    },
    {
      route: 'POST /v1/bundles/{id}/email-gate/signups',
      path: () => `/v1/bundles/${draft.id}/email-gate/signups`,
      body: { email: 'fan@example.test' },
      expected: { anonymous: 404, buyer: 404, creator: 404 },
    },
    {
      route: 'POST /v1/email-gate/confirm',
      path: () => '/v1/email-gate/confirm',
      body: { token: 'A'.repeat(43) },
      expected: { anonymous: 404, buyer: 404, creator: 404 },
    },
    { route: 'OPTIONS /v1/uploads', path: () => '/v1/uploads', expected: { anonymous: 204 }, provenIn: 'uploads' },
    { route: 'OPTIONS /v1/uploads/{path}', path: () => `/v1/uploads/${uploadId}`, expected: { anonymous: 204 } },
    ...UPLOAD_METHODS.map((method) => ({
      route: `${method} /v1/uploads`,
      path: () => '/v1/uploads',
      expected: { anonymous: 401, buyer: 403 },
    })),
    ...UPLOAD_METHODS.filter((m) => m !== 'POST').map((method) => ({
      route: `${method} /v1/uploads/{path}`,
      path: () => `/v1/uploads/${uploadId}`,
      expected: othersBundle,
    })),
    {
      route: 'POST /v1/uploads/{path}',
      path: () => `/v1/uploads/${uploadId}`,
      expected: { anonymous: 401, buyer: 403, creator: 405 },
    },

    // Codes: creators, for their own bundles only; redeeming and gifts: any buyer.
    {
      route: 'POST /v1/discount-codes',
      path: () => '/v1/discount-codes',
      body: { code: 'THEIRS', bundleId: published.id, percentOff: 50 },
      expected: othersBundle,
    },
    { route: 'GET /v1/discount-codes', path: () => '/v1/discount-codes', expected: { anonymous: 401, buyer: 403 } },
    {
      route: 'POST /v1/discount-codes/{id}/disable',
      path: () => `/v1/discount-codes/${discountCodeId}/disable`,
      expected: othersBundle,
    },
    {
      route: 'POST /v1/bundles/{id}/redeem-batches',
      path: () => `/v1/bundles/${published.id}/redeem-batches`,
      body: { count: 5 },
      expected: othersBundle,
    },
    {
      route: 'GET /v1/bundles/{id}/redeem-batches',
      path: () => `/v1/bundles/${published.id}/redeem-batches`,
      expected: othersBundle,
    },
    {
      route: 'GET /v1/redeem-batches/{id}/codes.csv',
      path: () => `/v1/redeem-batches/${redeemBatchId}/codes.csv`,
      expected: othersBundle,
    },
    {
      route: 'POST /v1/redeem-batches/{id}/revoke',
      path: () => `/v1/redeem-batches/${redeemBatchId}/revoke`,
      expected: othersBundle,
    },
    {
      route: 'POST /v1/redeem-batches/{id}/codes/{code}/revoke',
      path: () => `/v1/redeem-batches/${redeemBatchId}/codes/AAAA-BBBB-CCCC-DDDD/revoke`,
      expected: othersBundle,
    },
    {
      route: 'POST /v1/redeem',
      path: () => '/v1/redeem',
      body: { code: 'AAAA-BBBB-CCCC-DDDD' },
      expected: { anonymous: 401, buyer: 404, creator: 403 },
    },
    {
      route: 'POST /v1/bundles/{id}/gifts',
      path: () => `/v1/bundles/${published.id}/gifts`,
      body: { recipientEmail: 'friend@example.test' },
      expected: { anonymous: 401, creator: 403 },
    },
    { route: 'GET /v1/gifts', path: () => '/v1/gifts', expected: { anonymous: 401 } },

    // Admins only, whoever owns the target.
    { route: 'GET /v1/admin/users', path: () => '/v1/admin/users', expected: adminOnly, provenIn: 'accounts' },
    {
      route: 'PATCH /v1/admin/users/{id}',
      path: () => `/v1/admin/users/${buyerA.id}`,
      body: { disabled: true },
      expected: adminOnly,
    },
    {
      route: 'POST /v1/admin/bundles/{id}/takedown',
      path: () => `/v1/admin/bundles/${published.id}/takedown`,
      body: { reason: 'because' },
      expected: adminOnly,
    },
    {
      route: 'POST /v1/admin/bundles/{id}/restore',
      path: () => `/v1/admin/bundles/${published.id}/restore`,
      expected: adminOnly,
    },
    {
      route: 'PUT /v1/admin/bundles/{id}/price',
      path: () => `/v1/admin/bundles/${published.id}/price`,
      body: { amount: 1, currency: 'usd' },
      expected: adminOnly,
    },
    {
      route: 'DELETE /v1/admin/bundles/{id}/price',
      path: () => `/v1/admin/bundles/${published.id}/price`,
      expected: adminOnly,
    },
    {
      route: 'GET /v1/admin/bundles/{id}/prices',
      path: () => `/v1/admin/bundles/${published.id}/prices`,
      expected: adminOnly,
    },
    { route: 'GET /v1/admin/orders', path: () => '/v1/admin/orders', expected: adminOnly },
    {
      route: 'POST /v1/admin/orders/{id}/refund',
      path: () => `/v1/admin/orders/${orderId}/refund`,
      body: {},
      expected: adminOnly,
    },
    { route: 'GET /v1/admin/audit', path: () => '/v1/admin/audit', expected: adminOnly, provenIn: 'audit-log' },
    {
      route: 'PUT /v1/admin/bundles/{id}/seller-of-record',
      path: () => `/v1/admin/bundles/${published.id}/seller-of-record`,
      body: { platform: true },
      expected: adminOnly,
    },
    {
      route: 'PUT /v1/admin/creators/{id}/fee',
      path: () => `/v1/admin/creators/${creatorA.id}/fee`,
      body: { percent: 5 },
      expected: adminOnly,
    },
    {
      route: 'GET /v1/admin/creators/{id}/fees',
      path: () => `/v1/admin/creators/${creatorA.id}/fees`,
      expected: adminOnly,
    },

    // Creators' own payout account (there is no other creator's to name: each route acts on the caller's).
    {
      route: 'POST /v1/payouts/account',
      path: () => '/v1/payouts/account',
      expected: { anonymous: 401, buyer: 403 },
      provenIn: 'payouts (creates a Stripe account)',
    },
    { route: 'GET /v1/payouts/account', path: () => '/v1/payouts/account', expected: { anonymous: 401, buyer: 403 } },
    {
      route: 'POST /v1/payouts/dashboard-link',
      path: () => '/v1/payouts/dashboard-link',
      expected: { anonymous: 401, buyer: 403 },
    },
    { route: 'GET /v1/payouts/earnings', path: () => '/v1/payouts/earnings', expected: { anonymous: 401, buyer: 403 } },
    {
      route: 'GET /v1/payouts/onboarding',
      path: () => '/v1/payouts/onboarding',
      expected: { anonymous: 200 },
    },
    { route: 'GET /metrics', path: () => '/metrics', expected: adminOnly },
  ];

  it('has a rule for every documented route (and the tus routes)', async () => {
    const doc = (await request(http).get('/docs/openapi.json').expect(200)).body as { paths: Record<string, object> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    documented.push(...TUS_ROUTES);
    expect(
      rules()
        .map((r) => r.route)
        .sort(),
    ).toEqual(documented.sort());
  });

  it('answers each caller that does not own the target as the table says, and changes nothing', async () => {
    const snapshot = () =>
      Promise.all([
        // Every list in id order: a row's position in the table moves when anything updates it (a token's
        // lastUsedAt below), and an unordered read would report that as a change.
        prisma.bundle.findMany({
          where: { creatorId: creatorA.id },
          include: { items: { orderBy: { id: 'asc' } } },
          orderBy: { id: 'asc' },
        }),
        prisma.upload.findMany({ where: { creatorId: creatorA.id }, orderBy: { id: 'asc' } }),
        prisma.order.findMany({
          where: { buyerId: buyerA.id },
          include: { license: { include: { devices: { orderBy: { id: 'asc' } } } } },
          orderBy: { id: 'asc' },
        }),
        // lastUsedAt records the owner's own earlier requests, written up to a second late (group commit).
        prisma.apiToken.findMany({ where: { userId: buyerA.id }, omit: { lastUsedAt: true }, orderBy: { id: 'asc' } }),
        prisma.user.findUniqueOrThrow({ where: { id: buyerA.id } }),
      ]);
    const before = await snapshot();
    const mismatches: string[] = [];
    for (const rule of rules().filter((r) => !r.provenIn)) {
      const method = rule.route.split(' ')[0];
      for (const [caller, status] of Object.entries(rule.expected) as [Caller, number][]) {
        const user = callers()[caller];
        let req = request(http)[method.toLowerCase() as 'get'](rule.path());
        if (user) req = req.set(user.auth);
        if (rule.route.includes('/uploads')) req = req.set(TUS);
        const res = rule.body ? await req.send(rule.body) : await req;
        if (res.status !== status) mismatches.push(`${rule.route} as ${caller}: ${res.status}, expected ${status}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("keeps another creator's codes and batches out of reach: nothing listed, nothing changed", async () => {
    const listed = (await request(http).get('/v1/discount-codes').set(creatorB.auth).expect(200)).body as {
      id: string;
    }[];
    expect(listed.map((c) => c.id)).not.toContain(discountCodeId);
    expect(await prisma.discountCode.findUniqueOrThrow({ where: { id: discountCodeId } })).toMatchObject({
      disabledAt: null,
    });
    expect(await prisma.discountCode.count({ where: { code: 'THEIRS' } })).toBe(0);
    expect(await prisma.redeemBatch.count({ where: { bundleId: published.id } })).toBe(1);
    expect(await prisma.redeemBatch.findUniqueOrThrow({ where: { id: redeemBatchId } })).toMatchObject({
      revokedAt: null,
    });
    expect(await prisma.gift.count({ where: { order: { bundleId: published.id } } })).toBe(0);
  });

  it("lists only the caller's own bundles, orders, licenses and tokens; never another creator's draft in the catalog", async () => {
    const ids = (res: request.Response) => (res.body as { id: string }[]).map((x) => x.id);
    expect(ids(await request(http).get('/v1/bundles?perPage=100').set(creatorA.auth).expect(200))).toEqual(
      expect.arrayContaining([draft.id, published.id]),
    );
    expect(ids(await request(http).get('/v1/bundles?perPage=100').set(creatorB.auth).expect(200))).toEqual([]);
    expect(ids(await request(http).get('/v1/orders').set(buyerA.auth).expect(200))).toEqual([orderId]);
    expect(ids(await request(http).get('/v1/orders').set(buyerB.auth).expect(200))).toEqual([]);
    expect(ids(await request(http).get('/v1/licenses').set(buyerA.auth).expect(200))).toEqual([licenseId]);
    expect(ids(await request(http).get('/v1/licenses').set(buyerB.auth).expect(200))).toEqual([]);
    expect(ids(await request(http).get('/v1/me/tokens').set(buyerA.auth).expect(200))).toEqual([tokenId]);
    expect(ids(await request(http).get('/v1/me/tokens').set(buyerB.auth).expect(200))).toEqual([]);
    const catalog = (await request(http).get('/v1/catalog?perPage=100').set(creatorB.auth).expect(200)).body as {
      slug: string;
    }[];
    expect(catalog.map((b) => b.slug)).toContain(published.slug);
    expect(catalog.map((b) => b.slug)).not.toContain(draft.slug);
  });

  it("keeps a creator from reaching another creator's item through its own bundle", async () => {
    const own = (await request(http).post('/v1/bundles').set(creatorB.auth).send({ title: 'B film' }).expect(201)).body;
    await request(http)
      .patch(`/v1/bundles/${own.id}/items/${draft.itemId}`)
      .set(creatorB.auth)
      .send({ path: 'stolen.bin' })
      .expect(404);
    await request(http).delete(`/v1/bundles/${own.id}/items/${draft.itemId}`).set(creatorB.auth).expect(404);
    await request(http)
      .put(`/v1/bundles/${own.id}/items/order`)
      .set(creatorB.auth)
      .send({ itemIds: [draft.itemId] })
      .expect(400);
    await request(http)
      .post('/v1/uploads')
      .set(creatorB.auth)
      .set(TUS)
      .set('Upload-Length', '10')
      .set('Upload-Metadata', meta({ bundleId: own.id, itemId: draft.itemId }))
      .expect(404);
    expect((await prisma.item.findUniqueOrThrow({ where: { id: draft.itemId } })).path).toBe('film.mkv');
  });

  it("keeps a buyer from removing another license's device through its own license", async () => {
    const ownOrder = await prisma.order.create({
      data: { bundleId: published.id, buyerId: buyerB.id, amount: 1500, currency: 'usd', status: 'PAID' },
    });
    const own = await prisma.license.create({
      data: { orderId: ownOrder.id, bundleId: published.id, buyerId: buyerB.id },
    });
    await request(http).delete(`/v1/licenses/${own.id}/devices/${deviceId}`).set(buyerB.auth).expect(404);
    expect((await request(http).get(`/v1/licenses/${own.id}/devices`).set(buyerB.auth).expect(200)).body).toEqual([]);
    expect((await prisma.device.findUniqueOrThrow({ where: { id: deviceId } })).removedAt).toBeNull();
  });

  it("resolves a tus request to the upload its path names: another creator's upload id cannot ride in the query string", async () => {
    const own = (await request(http).post('/v1/bundles').set(creatorB.auth).send({ title: 'B upload' }).expect(201))
      .body;
    const ownItem = (
      await request(http)
        .post(`/v1/bundles/${own.id}/items`)
        .set(creatorB.auth)
        .send({ items: [{ path: 'b.bin' }] })
        .expect(201)
    ).body.items[0];
    const ownUpload = await createUpload(creatorB, own.id, ownItem.id, 500);
    const smuggled = `/v1/uploads/${ownUpload}?/${uploadId}`;
    const bare = `/v1/uploads?/${uploadId}`;
    const patch = (path: string, bytes: number) =>
      request(http)
        .patch(path)
        .set(creatorB.auth)
        .set(TUS)
        .set('Upload-Offset', '0')
        .set('Content-Type', 'application/offset+octet-stream')
        .send(Buffer.alloc(bytes, 0x42));

    expect((await request(http).head(smuggled).set(creatorB.auth).set(TUS).expect(200)).headers['upload-length']).toBe(
      '500',
    );
    await request(http).head(bare).set(creatorB.auth).set(TUS).expect(404);
    await patch(bare, 1000).expect(404);
    await request(http).delete(bare).set(creatorB.auth).set(TUS).expect(404);
    await patch(smuggled, 500).expect(204);
    expect(await prisma.upload.findUnique({ where: { id: ownUpload } })).toMatchObject({
      completedAt: expect.any(Date),
    });
    // A's upload is untouched: still there, nothing written, its item still waiting for bytes.
    const head = await request(http).head(`/v1/uploads/${uploadId}`).set(creatorA.auth).set(TUS).expect(200);
    expect(head.headers['upload-offset']).toBe('0');
    expect(await prisma.upload.findUnique({ where: { id: uploadId } })).toMatchObject({ completedAt: null });
    expect((await prisma.item.findUniqueOrThrow({ where: { id: draft.itemId } })).status).toBe('UPLOADING');
  });

  it('refuses the tokens of a disabled account (session and personal, login too) and drops a removed role at once', async () => {
    const user = await registerUser(app, ['CREATOR', 'BUYER']);
    const pat = (await request(http).post('/v1/me/tokens').set(user.auth).send({ name: 'cli' }).expect(201)).body
      .token as string;
    await request(http).get('/v1/bundles').set(user.auth).expect(200);

    await request(http)
      .patch(`/v1/admin/users/${user.id}`)
      .set(admin.auth)
      .send({ roles: ['BUYER'] })
      .expect(200);
    await request(http).get('/v1/bundles').set(user.auth).expect(403);

    await request(http).patch(`/v1/admin/users/${user.id}`).set(admin.auth).send({ disabled: true }).expect(200);
    await request(http)
      .get('/v1/me')
      .set({ Authorization: `Bearer ${pat}` })
      .expect(401);
    // Public routes answer as anonymous instead (the token is not needed there).
    await request(http)
      .get('/v1/catalog')
      .set({ Authorization: `Bearer ${pat}` })
      .expect(200);
    await request(http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'correct horse battery staple' })
      .expect(401);
  });

  it('refuses an expired personal token', async () => {
    const user = await registerUser(app);
    const created = (
      await request(http).post('/v1/me/tokens').set(user.auth).send({ name: 'old', expiresInDays: 1 }).expect(201)
    ).body;
    await prisma.apiToken.update({ where: { id: created.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await request(http)
      .get('/v1/me')
      .set({ Authorization: `Bearer ${created.token}` })
      .expect(401);
  });
});
