import request from 'supertest';
import { createPricedBundle, type PaygateSuite, startPaygateSuite } from '../helpers/paygate-fixtures';
import { registerUser, TestUser } from '../helpers/test-app';

/** #12 defect 5: open Checkout Sessions never outlive the price or sale they were opened at. */
describe('checkout sessions are superseded (e2e)', () => {
  let suite: PaygateSuite;
  let { emulator, app, http, prisma, admin, creator } = {} as PaygateSuite;

  beforeAll(async () => {
    suite = await startPaygateSuite();
    ({ emulator, app, http, prisma, admin, creator } = suite);
  });

  afterAll(() => suite.stop());

  const pricedBundle = (amount: number, minimum?: number) => createPricedBundle(suite, creator, { amount, minimum });

  const setPrice = (bundleId: string, amount: number, minimum?: number) =>
    request(http)
      .put(`/v1/admin/bundles/${bundleId}/price`)
      .set(admin.auth)
      .send({ amount, currency: 'usd', ...(minimum ? { minimum } : {}) })
      .expect(200);

  async function checkout(buyer: TestUser, bundleId: string, amount?: number) {
    const res = await request(http)
      .post(`/v1/bundles/${bundleId}/checkout`)
      .set(buyer.auth)
      .send(amount ? { amount } : {})
      .expect(201);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: res.body.orderId } });
    return { orderId: order.id, sessionId: order.stripeSessionId!, checkoutUrl: res.body.checkoutUrl as string };
  }

  async function pay(sessionId: string, outcome: 'succeeded' | 'async_pending' = 'succeeded') {
    emulator.completeCheckoutSession(sessionId, outcome);
    await emulator.webhooks.idle();
  }

  const licensesOf = (buyer: TestUser, bundleId: string) =>
    prisma.license.findMany({ where: { buyerId: buyer.id, bundleId } });

  it('gives sessions a short lifetime (CHECKOUT_SESSION_MINUTES, default 31)', async () => {
    const bundleId = await pricedBundle(700);
    const { sessionId } = await checkout(await registerUser(app), bundleId);
    const session = emulator.getCheckoutSession(sessionId);
    expect(session.expires_at - session.created).toBeGreaterThanOrEqual(30 * 60);
    expect(session.expires_at - session.created).toBeLessThanOrEqual(32 * 60);
  });

  it('a price change expires the open session: the old price cannot be paid, one order PAID, one license', async () => {
    const bundleId = await pricedBundle(700);
    const buyer = await registerUser(app);
    const first = await checkout(buyer, bundleId);
    await setPrice(bundleId, 900);
    expect(emulator.getCheckoutSession(first.sessionId).status).toBe('expired');
    expect(() => emulator.completeCheckoutSession(first.sessionId)).toThrow(/expired/);
    await emulator.webhooks.idle();
    expect(await prisma.order.findUniqueOrThrow({ where: { id: first.orderId } })).toMatchObject({
      status: 'EXPIRED',
      supersedeReason: 'price changed',
    });

    const second = await checkout(buyer, bundleId);
    expect(second.orderId).not.toBe(first.orderId);
    expect(emulator.getCheckoutSession(second.sessionId).amount_total).toBe(900);
    await pay(second.sessionId);
    expect(await prisma.order.count({ where: { buyerId: buyer.id, bundleId, status: 'PAID' } })).toBe(1);
    expect(await licensesOf(buyer, bundleId)).toHaveLength(1);
  });

  it('taking a bundle off sale, down or out of the listing expires its open sessions', async () => {
    const offSale = await pricedBundle(700);
    const takenDown = await pricedBundle(700);
    const unlisted = await pricedBundle(700);
    const buyer = await registerUser(app);
    const a = await checkout(buyer, offSale);
    const b = await checkout(buyer, takenDown);
    const c = await checkout(buyer, unlisted);
    await request(http).delete(`/v1/admin/bundles/${offSale}/price`).set(admin.auth).expect(200);
    await request(http)
      .post(`/v1/admin/bundles/${takenDown}/takedown`)
      .set(admin.auth)
      .send({ reason: 'copyright claim' })
      .expect(200);
    await request(http).post(`/v1/bundles/${unlisted}/unlist`).set(creator.auth).expect(200);
    for (const { sessionId } of [a, b, c]) {
      expect(emulator.getCheckoutSession(sessionId).status).toBe('expired');
      expect(() => emulator.completeCheckoutSession(sessionId)).toThrow(/expired/);
    }
    await emulator.webhooks.idle();
    expect(await prisma.order.findUniqueOrThrow({ where: { id: c.orderId } })).toMatchObject({
      status: 'EXPIRED',
      supersedeReason: 'bundle unlisted',
    });
    for (const bundleId of [offSale, takenDown, unlisted]) expect(await licensesOf(buyer, bundleId)).toHaveLength(0);
  });

  it('a buyer checking out again gets the pending order back; another amount expires the first', async () => {
    const bundleId = await pricedBundle(1000, 300);
    const buyer = await registerUser(app);
    const first = await checkout(buyer, bundleId, 500);
    const again = await checkout(buyer, bundleId, 500);
    expect(again).toEqual(first);

    const other = await checkout(buyer, bundleId, 800);
    expect(other.orderId).not.toBe(first.orderId);
    expect(emulator.getCheckoutSession(first.sessionId).status).toBe('expired');
    expect(await prisma.order.count({ where: { buyerId: buyer.id, bundleId, status: 'PENDING' } })).toBe(1);
  });

  it('a payment that still arrives for a superseded checkout is refunded automatically and audited, never a second license', async () => {
    const bundleId = await pricedBundle(700);
    const buyer = await registerUser(app);
    // A bank transfer is started (session complete, payment settling), then the buyer pays by card instead.
    const transfer = await checkout(buyer, bundleId);
    await pay(transfer.sessionId, 'async_pending');
    const card = await checkout(buyer, bundleId);
    expect(card.orderId).not.toBe(transfer.orderId);
    await pay(card.sessionId);
    expect(await licensesOf(buyer, bundleId)).toHaveLength(1);

    emulator.settleAsyncPayment(transfer.sessionId, 'succeeded');
    await emulator.webhooks.idle();

    const late = await prisma.order.findUniqueOrThrow({ where: { id: transfer.orderId } });
    expect(late).toMatchObject({ status: 'REFUNDED', amountRefunded: 700 });
    expect(late.supersedeReason).toMatch(/duplicate purchase/);
    const chargeId = emulator.getPaymentIntent(late.stripePaymentIntentId!).latest_charge as string;
    expect(emulator.getCharge(chargeId)).toMatchObject({ refunded: true, amount_refunded: 700 });
    const licenses = await licensesOf(buyer, bundleId);
    expect(licenses).toEqual([expect.objectContaining({ orderId: card.orderId, status: 'ACTIVE' })]);
    const audit = await prisma.auditLog.findMany({
      where: { targetId: transfer.orderId, action: 'order.superseded_refund' },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ amount: 700, currency: 'usd' });

    // Replays of the late payment's events change nothing and refund nothing twice.
    const succeeded = emulator.events('checkout.session.async_payment_succeeded').at(-1)!;
    await emulator.webhooks.redeliver(succeeded.id, { times: 3 });
    expect(
      await prisma.auditLog.count({ where: { targetId: transfer.orderId, action: 'order.superseded_refund' } }),
    ).toBe(1);
    expect(await licensesOf(buyer, bundleId)).toHaveLength(1);
  });
});
