import { createHash } from 'node:crypto';
import request from 'supertest';
import {
  decryptPieceInto,
  derivePieceKey,
  generateDeviceKeyPair,
  openContentKeys,
  openPreviewKeys,
  SealedKeySet,
} from '@keyseed/crypto';
import { ReconcileOrdersService } from '@keyseed/paygate';
import type { StripeEmulator } from '@keyseed/stripe-emulator';
import {
  createPublishedBundle,
  createReadyItem,
  type PaygateSuite,
  ReadyItem,
  setBundlePrice,
  startPaygateSuite,
} from '../helpers/paygate-fixtures';
import { registerUser, TestUser } from '../helpers/test-app';

const KEY_LIMIT = 80;

describe('paygate (e2e): prices, checkout, webhooks, licenses, devices, keys', () => {
  let suite: PaygateSuite;
  let { emulator, app, http, prisma, admin, creator } = {} as PaygateSuite;
  let bundleId: string;
  let item: ReadyItem;

  beforeAll(async () => {
    process.env.MAX_DEVICES_PER_LICENSE = '2';
    process.env.KEY_REQUESTS_PER_MINUTE = String(KEY_LIMIT);
    suite = await startPaygateSuite();
    ({ emulator, app, http, prisma, admin, creator } = suite);
    bundleId = await createPublishedBundle(app, creator.id);
    item = await createReadyItem(app, bundleId, { previewPieces: 1 });
    await setBundlePrice(suite, bundleId, { amount: 1500 });
  });

  afterAll(() => suite.stop());

  beforeEach(() => {
    emulator.webhooks.mode = 'deliver';
  });

  const sessionOf = async (orderId: string) =>
    (await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).stripeSessionId as string;
  const deliveries = () => prisma.keyDelivery.count();

  async function buy(buyer: TestUser, outcome: Parameters<StripeEmulator['completeCheckoutSession']>[1] = 'succeeded') {
    const res = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const sessionId = await sessionOf(res.body.orderId);
    const completion = emulator.completeCheckoutSession(sessionId, outcome);
    await emulator.webhooks.idle();
    return { orderId: res.body.orderId as string, sessionId, completion };
  }

  async function licenseOf(orderId: string) {
    return prisma.license.findUnique({ where: { orderId } });
  }

  async function registerDevice(buyer: TestUser, licenseId: string) {
    const pair = generateDeviceKeyPair();
    const res = await request(http)
      .post(`/v1/licenses/${licenseId}/devices`)
      .set(buyer.auth)
      .send({ publicKey: pair.publicKey, name: 'laptop' })
      .expect(201);
    return { ...pair, deviceId: res.body.id as string };
  }

  describe('prices', () => {
    it('refuses malformed prices with the reason and non-admins with 403', async () => {
      const cases: [object, RegExp][] = [
        [{ amount: -100, currency: 'usd' }, /must not be negative/],
        [{ amount: 9.99, currency: 'usd' }, /integer/],
        [{ amount: 1000, currency: 'xxx' }, /currency xxx is not supported/],
        [{ amount: 10, currency: 'usd' }, /below Stripe's minimum charge for usd/],
        [{ amount: 1000, currency: 'eur', minimum: 2000 }, /must not exceed the amount/],
      ];
      for (const [body, reason] of cases) {
        const res = await request(http)
          .put(`/v1/admin/bundles/${bundleId}/price`)
          .set(admin.auth)
          .send(body)
          .expect(400);
        expect(String(res.body.message)).toMatch(reason);
      }
      await request(http)
        .put(`/v1/admin/bundles/${bundleId}/price`)
        .set(creator.auth)
        .send({ amount: 900, currency: 'usd' })
        .expect(403);
    });

    it('keeps every change in the history with who made it; DELETE takes the bundle off sale', async () => {
      const other = await createPublishedBundle(app, creator.id, 'Priced twice');
      await request(http)
        .put(`/v1/admin/bundles/${other}/price`)
        .set(admin.auth)
        .send({ amount: 800, currency: 'EUR', minimum: 300 })
        .expect(200);
      const off = await request(http).delete(`/v1/admin/bundles/${other}/price`).set(admin.auth).expect(200);
      expect(off.body).toMatchObject({ forSale: false, amount: null });
      const history = await request(http).get(`/v1/admin/bundles/${other}/prices`).set(admin.auth).expect(200);
      expect(history.body).toHaveLength(2);
      expect(history.body[1]).toMatchObject({
        adminId: admin.id,
        oldAmount: null,
        newAmount: 800,
        newCurrency: 'eur',
        newMinimum: 300,
      });
      expect(history.body[0]).toMatchObject({ oldAmount: 800, newAmount: null });
      expect(await prisma.auditLog.count({ where: { targetId: other, action: { startsWith: 'bundle.price' } } })).toBe(
        2,
      );
      const buyer = await registerUser(app, ['BUYER']);
      await request(http).post(`/v1/bundles/${other}/checkout`).set(buyer.auth).send({}).expect(409);
    });
  });

  it('purchase → webhook → ACTIVE license → device → sealed keys that decrypt the item', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    const { orderId, sessionId } = await buy(buyer);
    const session = emulator.getCheckoutSession(sessionId);
    expect(session).toMatchObject({
      client_reference_id: orderId,
      metadata: { orderId, bundleId, buyerId: buyer.id },
      mode: 'payment',
      amount_total: 1500,
      currency: 'usd',
    });

    const order = await request(http).get(`/v1/orders/${orderId}`).set(buyer.auth).expect(200);
    expect(order.body).toMatchObject({ status: 'PAID', amount: 1500, currency: 'usd' });
    const licenses = await request(http).get('/v1/licenses').set(buyer.auth).expect(200);
    expect(licenses.body).toEqual([
      expect.objectContaining({
        id: order.body.licenseId,
        status: 'ACTIVE',
        bundle: expect.objectContaining({ id: bundleId }),
      }),
    ]);
    const licenseId = order.body.licenseId as string;
    await request(http)
      .post(`/v1/bundles/${bundleId}/checkout`)
      .set(buyer.auth)
      .send({})
      .expect(409)
      .expect((r) => expect(r.body.message).toMatch(/already hold an active license/));

    const device = await registerDevice(buyer, licenseId);
    const again = await request(http)
      .post(`/v1/licenses/${licenseId}/devices`)
      .set(buyer.auth)
      .send({ publicKey: device.publicKey })
      .expect(200);
    expect(again.body.id).toBe(device.deviceId);

    const before = await deliveries();
    const res = await request(http)
      .post(`/v1/licenses/${licenseId}/keys`)
      .set(buyer.auth)
      .send({ deviceId: device.deviceId })
      .expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['alg', 'ciphertext', 'epk', 'nonce']);
    // Payload v2: the content key, the plaintext SHA-256 and piece root; the piece keys are derived here.
    const opened = openContentKeys(device.privateKey, device.deviceId, res.body as SealedKeySet, licenseId);
    expect(opened).toEqual([
      {
        itemId: item.id,
        contentKey: expect.any(Buffer),
        plaintextSha256: item.plaintextSha256,
        plaintextPieceRoot: item.plaintextPieceRoot,
      },
    ]);
    const plain = item.pieces.map((ct, i) => {
      const out = Buffer.alloc(ct.length);
      decryptPieceInto(derivePieceKey(opened[0].contentKey, i), ct, out);
      return out;
    });
    expect(createHash('sha256').update(Buffer.concat(plain)).digest('hex')).toBe(item.plaintextSha256);
    expect(await deliveries()).toBe(before + 1);
    expect(await prisma.keyDelivery.findFirst({ where: { licenseId }, orderBy: { createdAt: 'desc' } })).toMatchObject({
      deviceId: device.deviceId,
      itemId: item.id,
      firstPiece: 0,
      lastPiece: 2,
      address: expect.any(String),
    });

    // One named item; piece ranges are for previews only (a license delivery carries whole items).
    const one = await request(http)
      .post(`/v1/licenses/${licenseId}/keys`)
      .set(buyer.auth)
      .send({ deviceId: device.deviceId, items: [{ itemId: item.id }] })
      .expect(200);
    expect(openContentKeys(device.privateKey, device.deviceId, one.body, licenseId)[0].contentKey).toEqual(
      opened[0].contentKey,
    );
    await request(http)
      .post(`/v1/licenses/${licenseId}/keys`)
      .set(buyer.auth)
      .send({ deviceId: device.deviceId, items: [{ itemId: item.id, first: 0, last: 3 }] })
      .expect(400)
      .expect((r) => expect(String(r.body.message)).toMatch(/first|last/));

    // Sales report: the creator sees it, another buyer does not.
    const sales = await request(http).get(`/v1/bundles/${bundleId}/sales`).set(creator.auth).expect(200);
    expect(sales.body.byCurrency[0]).toMatchObject({ currency: 'usd', gross: expect.any(Number) });
    await request(http).get(`/v1/bundles/${bundleId}/sales`).set(buyer.auth).expect(403);
  });

  it('50 concurrent deliveries of the same checkout.session.completed: all 2xx, one license', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    emulator.webhooks.mode = 'drop';
    const { orderId, completion } = await buy(buyer);
    const completed = completion.events.find((e) => e.type === 'checkout.session.completed')!;
    const attempts = await emulator.webhooks.redeliver(completed.id, { times: 50 });
    expect(attempts.map((a) => a.statusCode)).toEqual(Array(50).fill(200));
    expect(await prisma.license.count({ where: { orderId } })).toBe(1);
    expect((await licenseOf(orderId))?.status).toBe('ACTIVE');
    expect(await prisma.stripeEvent.count({ where: { id: completed.id } })).toBe(1);
  });

  it('a refund delivered before the completion: order REFUNDED, no license ever', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    emulator.webhooks.mode = 'hold';
    const { orderId } = await buy(buyer, 'refunded');
    await emulator.webhooks.release('reverse');
    await emulator.webhooks.idle();
    const order = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order).toMatchObject({ status: 'REFUNDED', amountRefunded: 1500 });
    expect(await licenseOf(orderId)).toBeNull();
    expect(await prisma.stripeEvent.count({ where: { orderId } })).toBeGreaterThanOrEqual(2);
  });

  it('a dropped webhook is recovered by reconciliation', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    emulator.webhooks.mode = 'drop';
    const { orderId } = await buy(buyer);
    expect((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('PENDING');
    const report = await app.get(ReconcileOrdersService).reconcile(new Date(Date.now() + 60 * 60_000));
    expect(report.changed).toBeGreaterThanOrEqual(1);
    expect((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('PAID');
    expect((await licenseOf(orderId))?.status).toBe('ACTIVE');
  });

  it('refuses a bad signature and a stale timestamp with 400 and stores nothing', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    emulator.webhooks.mode = 'drop';
    const { orderId, completion } = await buy(buyer);
    const completed = completion.events.find((e) => e.type === 'checkout.session.completed')!;
    const [bad] = await emulator.webhooks.redeliver(completed.id, { signing: { secret: 'whsec_not_ours' } });
    const [stale] = await emulator.webhooks.redeliver(completed.id, { signing: { timestampOffsetSeconds: -3600 } });
    expect([bad.statusCode, stale.statusCode]).toEqual([400, 400]);
    await request(http)
      .post('/v1/stripe/webhook')
      .set('Content-Type', 'application/json')
      .send('{"id":"evt_x"}')
      .expect(400);
    expect(await prisma.stripeEvent.count({ where: { id: completed.id } })).toBe(0);
    expect(await licenseOf(orderId)).toBeNull();
    // Unknown event types are acknowledged and ignored.
    const created = completion.events.find((e) => e.type === 'payment_intent.created')!;
    const [ok] = await emulator.webhooks.redeliver(created.id);
    expect(ok.statusCode).toBe(200);
  });

  describe('no keys', () => {
    it("for an async-failed payment (no license), another buyer's license, a device of another license, too many devices", async () => {
      const failed = await buy(await registerUser(app, ['BUYER']), 'async_failed');
      expect((await prisma.order.findUniqueOrThrow({ where: { id: failed.orderId } })).status).toBe('FAILED');
      expect(await licenseOf(failed.orderId)).toBeNull();

      const alice = await registerUser(app, ['BUYER']);
      const bob = await registerUser(app, ['BUYER']);
      const a = (await licenseOf((await buy(alice)).orderId))!;
      const b = (await licenseOf((await buy(bob)).orderId))!;
      const aDev = await registerDevice(alice, a.id);
      const bDev = await registerDevice(bob, b.id);
      const before = await deliveries();

      await request(http).post(`/v1/licenses/${a.id}/keys`).set(bob.auth).send({ deviceId: bDev.deviceId }).expect(403);
      await request(http)
        .post(`/v1/licenses/${a.id}/keys`)
        .set(alice.auth)
        .send({ deviceId: bDev.deviceId })
        .expect(404)
        .expect((r) => expect(r.body.message).toMatch(/not registered to license/));
      await request(http)
        .post(`/v1/licenses/${a.id}/keys`)
        .set(admin.auth)
        .send({ deviceId: aDev.deviceId })
        .expect(403);

      await registerDevice(alice, a.id);
      await request(http)
        .post(`/v1/licenses/${a.id}/devices`)
        .set(alice.auth)
        .send({ publicKey: generateDeviceKeyPair().publicKey })
        .expect(409)
        .expect((r) => expect(r.body.message).toMatch(/maximum is 2/));
      await request(http).delete(`/v1/licenses/${a.id}/devices/${aDev.deviceId}`).set(alice.auth).expect(204);
      await request(http)
        .post(`/v1/licenses/${a.id}/keys`)
        .set(alice.auth)
        .send({ deviceId: aDev.deviceId })
        .expect(403)
        .expect((r) => expect(r.body.message).toMatch(/removed/));
      expect(await deliveries()).toBe(before);
    });

    it('for a refunded license (admin refund) and while disputed; a won dispute reinstates', async () => {
      const carol = await registerUser(app, ['BUYER']);
      const refunded = await buy(carol);
      await request(http).post(`/v1/admin/orders/${refunded.orderId}/refund`).set(carol.auth).send({}).expect(403);
      const r = await request(http)
        .post(`/v1/admin/orders/${refunded.orderId}/refund`)
        .set(admin.auth)
        .send({ note: 'buyer asked' })
        .expect(200);
      expect(r.body).toMatchObject({ orderStatus: 'REFUNDED', licenseStatus: 'REVOKED' });
      await emulator.webhooks.idle();
      const lic = (await licenseOf(refunded.orderId))!;
      expect(lic.status).toBe('REVOKED');
      expect(await prisma.auditLog.count({ where: { action: 'order.refund', targetId: refunded.orderId } })).toBe(1);
      // The admin page's order list finds it by the buyer's e-mail (any case) and by status.
      const byBuyer = await request(http)
        .get('/v1/admin/orders')
        .query({ buyer: carol.email.toUpperCase() })
        .set(admin.auth)
        .expect(200);
      expect(byBuyer.body).toEqual([
        expect.objectContaining({
          id: refunded.orderId,
          status: 'REFUNDED',
          licenseStatus: 'REVOKED',
          buyer: expect.objectContaining({ id: carol.id, email: carol.email }),
          bundle: expect.objectContaining({ id: bundleId }),
        }),
      ]);
      const paidOnly = await request(http)
        .get('/v1/admin/orders')
        .query({ buyer: carol.email, status: 'PAID' })
        .set(admin.auth)
        .expect(200);
      expect(paidOnly.body).toEqual([]);
      await request(http).get('/v1/admin/orders').set(carol.auth).expect(403);
      await request(http)
        .post(`/v1/licenses/${lic.id}/devices`)
        .set(carol.auth)
        .send({ publicKey: generateDeviceKeyPair().publicKey })
        .expect(403);

      const dave = await registerUser(app, ['BUYER']);
      const disputed = await buy(dave);
      const dl = (await licenseOf(disputed.orderId))!;
      const dev = await registerDevice(dave, dl.id);
      const dispute = emulator.createDispute(disputed.completion.charge.id);
      await emulator.webhooks.idle();
      expect((await licenseOf(disputed.orderId))?.status).toBe('SUSPENDED');
      const before = await deliveries();
      await request(http)
        .post(`/v1/licenses/${dl.id}/keys`)
        .set(dave.auth)
        .send({ deviceId: dev.deviceId })
        .expect(403)
        .expect((res) => expect(res.body.message).toMatch(/SUSPENDED/));
      expect(await deliveries()).toBe(before);
      emulator.closeDispute(dispute.id, 'won');
      await emulator.webhooks.idle();
      expect((await licenseOf(disputed.orderId))?.status).toBe('ACTIVE');
      await request(http)
        .post(`/v1/licenses/${dl.id}/keys`)
        .set(dave.auth)
        .send({ deviceId: dev.deviceId })
        .expect(200);

      const sales = await request(http).get(`/v1/bundles/${bundleId}/sales`).set(admin.auth).expect(200);
      expect(sales.body.refundCount).toBeGreaterThanOrEqual(2);
    });
  });

  it('preview keys: anyone, pieces below previewPieces only, sealed to "preview"', async () => {
    const pair = generateDeviceKeyPair();
    const res = await request(http)
      .post(`/v1/bundles/${bundleId}/preview-keys`)
      .send({ publicKey: pair.publicKey })
      .expect(200);
    const opened = openPreviewKeys(pair.privateKey, res.body);
    expect(opened).toEqual([expect.objectContaining({ itemId: item.id, first: 0, last: 0 })]);
    await request(http)
      .post(`/v1/bundles/${bundleId}/preview-keys`)
      .send({ publicKey: pair.publicKey, items: [{ itemId: item.id, first: 0, last: 1 }] })
      .expect(400);
  });

  it('rate-limits key requests per license with 429, a reason and Retry-After', async () => {
    const erin = await registerUser(app, ['BUYER']);
    const lic = (await licenseOf((await buy(erin)).orderId))!;
    const dev = await registerDevice(erin, lic.id);
    const statuses: number[] = [];
    // Two budgets' worth: the limit holds per fixed minute window, which may turn during the loop.
    for (let i = 0; i <= 2 * KEY_LIMIT + 1 && !statuses.includes(429); i++) {
      const r = await request(http)
        .post(`/v1/licenses/${lic.id}/keys`)
        .set(erin.auth)
        .send({ deviceId: dev.deviceId, items: [{ itemId: item.id }] });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.message).toMatch(/at most 80 per minute/);
        // When the minute window turns: what the CLI waits before asking again.
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toContain(429);
  });

  it("does not let another account use up a license's key budget", async () => {
    const frank = await registerUser(app, ['BUYER']);
    const mallory = await registerUser(app, ['BUYER']);
    const lic = (await licenseOf((await buy(frank)).orderId))!;
    const dev = await registerDevice(frank, lic.id);
    const ask = (who: TestUser, from: string) =>
      request(http)
        .post(`/v1/licenses/${lic.id}/keys`)
        .set(who.auth)
        .set('X-Forwarded-For', from)
        .send({ deviceId: dev.deviceId, items: [{ itemId: item.id }] });
    const refused = new Set<number>();
    for (let i = 0; i <= KEY_LIMIT; i++) refused.add((await ask(mallory, '203.0.113.7')).status);
    // Refused, and over her own address's budget unless a minute window turned meanwhile.
    expect([...refused].filter((status) => status !== 403 && status !== 429)).toEqual([]);
    await ask(frank, '198.51.100.9').expect(200);
  });
});
