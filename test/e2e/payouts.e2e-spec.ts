import request from 'supertest';
import { ReconcileOrdersService } from '@keyseed/paygate';
import { createPricedBundle, type PaygateSuite, startPaygateSuite } from '../helpers/paygate-fixtures';
import { registerUser, TestUser } from '../helpers/test-app';

/** #17: creators are paid through Stripe Connect Express with destination charges. */
describe('payouts (e2e): Connect onboarding, destination charges, refunds, earnings', () => {
  let suite: PaygateSuite;
  let { emulator, app, http, prisma, admin, creator } = {} as PaygateSuite;
  let bundleId: string;
  let accountId: string;

  beforeAll(async () => {
    suite = await startPaygateSuite();
    ({ emulator, app, http, prisma, admin, creator } = suite);
    bundleId = await sellableByCreator(creator, 1500);
  });

  afterAll(() => suite.stop());

  /** A priced bundle sold by its creator (not the platform). */
  const sellableByCreator = (owner: TestUser, amount: number) =>
    createPricedBundle(suite, owner, { amount }, { title: 'Connect film', sellerOfRecord: 'creator' });

  async function buy(id: string) {
    const buyer = await registerUser(app);
    const res = await request(http).post(`/v1/bundles/${id}/checkout`).set(buyer.auth).send({}).expect(201);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: res.body.orderId } });
    emulator.completeCheckoutSession(order.stripeSessionId!);
    await emulator.webhooks.idle();
    return prisma.order.findUniqueOrThrow({ where: { id: order.id } });
  }

  const earnings = async (by: 'bundle' | 'month') =>
    (await request(http).get(`/v1/payouts/earnings?by=${by}`).set(creator.auth).expect(200)).body as {
      bundleId: string | null;
      month: string | null;
      gross: number;
      fee: number;
      refunded: number;
      net: number;
      sales: number;
      disputes: number;
    }[];

  it('onboarding: not connected → requirements due → payable; the bundle is for sale only once payable', async () => {
    const buyer = await registerUser(app);
    const refused = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(409);
    expect(refused.body.message).toMatch(/has not connected a payout account/);
    expect((await request(http).get('/v1/payouts/account').set(creator.auth).expect(200)).body).toMatchObject({
      connected: false,
      payable: false,
      feePercent: 10,
    });

    const started = await request(http).post('/v1/payouts/account').set(creator.auth).expect(200);
    expect(started.body).toMatchObject({ connected: true, payable: false, detailsSubmitted: false });
    accountId = started.body.stripeAccountId;
    expect(emulator.getAccount(accountId)).toMatchObject({ type: 'express', email: creator.email });
    const page = await fetch(started.body.onboardingUrl as string);
    expect(await page.text()).toMatch(/complete onboarding/);
    // A second click reuses the account.
    const again = await request(http).post('/v1/payouts/account').set(creator.auth).expect(200);
    expect(again.body.stripeAccountId).toBe(accountId);

    emulator.onboardAccount(accountId, 'incomplete');
    await emulator.webhooks.idle();
    expect(await prisma.payoutAccount.findUniqueOrThrow({ where: { creatorId: creator.id } })).toMatchObject({
      chargesEnabled: false,
      detailsSubmitted: true,
      requirementsDue: ['external_account'],
    });
    const stillRefused = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({});
    expect(stillRefused.status).toBe(409);
    expect(stillRefused.body.message).toMatch(/requirements due \(external_account\)/);

    emulator.onboardAccount(accountId, 'complete');
    await emulator.webhooks.idle();
    expect((await request(http).get('/v1/payouts/account').set(creator.auth).expect(200)).body).toMatchObject({
      payable: true,
      payoutsEnabled: true,
      requirementsDue: [],
    });
    const link = await request(http).post('/v1/payouts/dashboard-link').set(creator.auth).expect(200);
    expect(link.body.url).toContain(`/connect/dashboard/${accountId}`);
  });

  it('a sale splits into the platform fee and a transfer to the creator; a refund reverses both', async () => {
    const order = await buy(bundleId);
    expect(order).toMatchObject({ status: 'PAID', transferDestination: accountId, applicationFeeAmount: 150 });
    const charge = emulator.getCharge(emulator.getPaymentIntent(order.stripePaymentIntentId!).latest_charge as string);
    expect(charge).toMatchObject({
      amount: 1500,
      application_fee_amount: 150,
      transfer_data: { destination: accountId },
    });
    expect(order.stripeTransferId).toBe(charge.transfer);
    expect(emulator.getTransfer(order.stripeTransferId!)).toMatchObject({
      amount: 1500,
      destination: accountId,
      source_transaction: charge.id,
    });
    expect(emulator.getApplicationFee(charge.application_fee as string)).toMatchObject({
      amount: 150,
      account: accountId,
    });
    expect((await earnings('bundle')).find((r) => r.bundleId === bundleId)).toMatchObject({
      sales: 1,
      gross: 1500,
      fee: 150,
      refunded: 0,
      net: 1350,
    });

    await request(http).post(`/v1/admin/orders/${order.id}/refund`).set(admin.auth).send({}).expect(200);
    await emulator.webhooks.idle();
    expect(emulator.getTransfer(order.stripeTransferId!)).toMatchObject({ amount_reversed: 1500, reversed: true });
    expect(emulator.getApplicationFee(charge.application_fee as string)).toMatchObject({
      amount_refunded: 150,
      refunded: true,
    });
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({
      status: 'REFUNDED',
      transferReversed: 1500,
      feeRefunded: 150,
    });
    const [month] = await earnings('month');
    expect(month).toMatchObject({
      month: new Date().toISOString().slice(0, 7),
      gross: 1500,
      refunded: 1500,
      fee: 0,
      net: 0,
    });
  });

  it('a refund whose webhook was lost is found by reconciliation: order REFUNDED, transfer reversal and fee refund recorded', async () => {
    const order = await buy(bundleId);
    emulator.webhooks.mode = 'drop';
    try {
      emulator.refund({
        paymentIntent: order.stripePaymentIntentId!,
        reverseTransfer: true,
        refundApplicationFee: true,
      });
      await emulator.webhooks.idle();
    } finally {
      emulator.webhooks.mode = 'deliver';
    }
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PAID');
    const report = await app.get(ReconcileOrdersService).reconcile();
    expect(report.refundsRecovered).toBeGreaterThanOrEqual(1);
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { license: true } })).toMatchObject(
      {
        status: 'REFUNDED',
        transferReversed: 1500,
        feeRefunded: order.applicationFeeAmount,
        license: { status: 'REVOKED' },
      },
    );
    // Again: nothing new (the event id is stored).
    expect((await app.get(ReconcileOrdersService).reconcile()).refundsRecovered).toBe(0);
  });

  it("an admin's fee override applies to the next sale and is kept in the history", async () => {
    await request(http).put(`/v1/admin/creators/${creator.id}/fee`).set(admin.auth).send({ percent: 5 }).expect(200);
    await request(http).put(`/v1/admin/creators/${creator.id}/fee`).set(creator.auth).send({ percent: 0 }).expect(403);
    const order = await buy(bundleId);
    expect(order.applicationFeeAmount).toBe(75);
    const history = await request(http).get(`/v1/admin/creators/${creator.id}/fees`).set(admin.auth).expect(200);
    expect(history.body[0]).toMatchObject({ adminId: admin.id, oldPercent: null, newPercent: 5 });
    await request(http).put(`/v1/admin/creators/${creator.id}/fee`).set(admin.auth).send({ percent: null }).expect(200);
  });

  it('a dispute is recorded against the creator', async () => {
    const order = await buy(bundleId);
    const chargeId = emulator.getPaymentIntent(order.stripePaymentIntentId!).latest_charge as string;
    emulator.createDispute(chargeId);
    await emulator.webhooks.idle();
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).disputeStatus).toBe('OPEN');
    expect((await earnings('bundle')).find((r) => r.bundleId === bundleId)?.disputes).toBe(1);
  });

  it('the platform as seller of record sells a bundle whose creator has no payout account, without a transfer', async () => {
    const unconnected = await registerUser(app, ['CREATOR']);
    const id = await sellableByCreator(unconnected, 900);
    const buyer = await registerUser(app);
    await request(http).post(`/v1/bundles/${id}/checkout`).set(buyer.auth).send({}).expect(409);
    const marked = await request(http)
      .put(`/v1/admin/bundles/${id}/seller-of-record`)
      .set(admin.auth)
      .send({ platform: true })
      .expect(200);
    expect(marked.body.platformSellerOfRecord).toBe(true);
    const order = await buy(id);
    expect(order).toMatchObject({ status: 'PAID', transferDestination: null, applicationFeeAmount: 0 });
    const charge = emulator.getCharge(emulator.getPaymentIntent(order.stripePaymentIntentId!).latest_charge as string);
    expect(charge.transfer_data).toBeNull();
  });
});
