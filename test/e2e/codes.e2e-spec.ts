import request from 'supertest';
import { createPricedBundle, type PaygateSuite, startPaygateSuite } from '../helpers/paygate-fixtures';
import { registerUser, TestUser } from '../helpers/test-app';

/** #17 "codes and gifts": discount codes at checkout, redeem code batches, gifts. */
describe('codes and gifts (e2e)', () => {
  let suite: PaygateSuite;
  let { emulator, app, http, prisma, admin, creator } = {} as PaygateSuite;
  let otherCreator: TestUser;

  beforeAll(async () => {
    suite = await startPaygateSuite('Studio Codes');
    ({ emulator, app, http, prisma, admin, creator } = suite);
    otherCreator = await registerUser(app, ['CREATOR'], 'Studio Other');
  });

  afterAll(() => suite.stop());

  const pricedBundle = (owner: TestUser, amount: number, currency = 'usd') =>
    createPricedBundle(suite, owner, { amount, currency }, { title: 'Codes film' });

  const makeCode = (who: TestUser, body: object) => request(http).post('/v1/discount-codes').set(who.auth).send(body);

  const checkout = (buyer: TestUser, bundleId: string, body: object = {}) =>
    request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send(body);

  async function pay(orderId: string) {
    const order = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
    emulator.completeCheckoutSession(order.stripeSessionId!);
    await emulator.webhooks.idle();
    return prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  }

  const licensesOf = (user: TestUser, bundleId: string) =>
    prisma.license.findMany({ where: { buyerId: user.id, bundleId } });

  describe('discount codes', () => {
    it('a percent code discounts the Checkout Session; the order records code, original and discounted amount', async () => {
      const bundleId = await pricedBundle(creator, 1999);
      const made = await makeCode(creator, { code: 'launch20', bundleId, percentOff: 20 }).expect(201);
      expect(made.body).toMatchObject({ code: 'LAUNCH20', kind: 'PERCENT', bundleId, uses: 0, state: 'ACTIVE' });
      const buyer = await registerUser(app);
      const res = await checkout(buyer, bundleId, { code: 'Launch20' }).expect(201);
      const order = await prisma.order.findUniqueOrThrow({ where: { id: res.body.orderId } });
      // 20 % of 19.99 is 3.998, rounded to 4.00.
      expect(order).toMatchObject({ amount: 1599, originalAmount: 1999, discountCodeId: made.body.id });
      expect(emulator.getCheckoutSession(order.stripeSessionId!).amount_total).toBe(1599);
      const paid = await pay(order.id);
      expect(paid.status).toBe('PAID');
      const view = await request(http).get(`/v1/orders/${order.id}`).set(buyer.auth).expect(200);
      expect(view.body).toMatchObject({
        source: 'CHECKOUT',
        amount: 1599,
        originalAmount: 1999,
        discountCode: 'LAUNCH20',
      });
      expect(await licensesOf(buyer, bundleId)).toHaveLength(1);
    });

    it('an amount code applies in its own currency only, to every bundle of the creator when unscoped', async () => {
      const usd = await pricedBundle(creator, 1500);
      const eur = await pricedBundle(creator, 1500, 'eur');
      const theirs = await pricedBundle(otherCreator, 1500);
      await makeCode(creator, { code: 'FIVEOFF', amountOff: 500, currency: 'usd' }).expect(201);
      const buyer = await registerUser(app);
      const res = await checkout(buyer, usd, { code: 'fiveoff' }).expect(201);
      expect((await prisma.order.findUniqueOrThrow({ where: { id: res.body.orderId } })).amount).toBe(1000);
      const wrongCurrency = await checkout(buyer, eur, { code: 'FIVEOFF' }).expect(400);
      expect(wrongCurrency.body.message).toMatch(/amount in usd; this bundle is priced in eur/);
      // Another creator's bundle does not know the code.
      const other = await checkout(buyer, theirs, { code: 'FIVEOFF' }).expect(400);
      expect(other.body.message).toMatch(/no discount code FIVEOFF for this bundle/);
    });

    it("refuses a discount that would take the price below Stripe's minimum charge", async () => {
      const bundleId = await pricedBundle(creator, 100);
      await makeCode(creator, { code: 'DEEP', bundleId, amountOff: 60, currency: 'usd' }).expect(201);
      await makeCode(creator, { code: 'HALF', bundleId, percentOff: 50 }).expect(201);
      const buyer = await registerUser(app);
      const refused = await checkout(buyer, bundleId, { code: 'DEEP' }).expect(400);
      expect(refused.body.message).toMatch(
        /would take the price to 0\.40 usd, below Stripe's minimum charge of 0\.50 usd; free copies are given with redeem codes/,
      );
      expect(await prisma.order.count({ where: { buyerId: buyer.id } })).toBe(0);
      // Exactly the minimum is fine.
      const ok = await checkout(buyer, bundleId, { code: 'HALF' }).expect(201);
      expect((await prisma.order.findUniqueOrThrow({ where: { id: ok.body.orderId } })).amount).toBe(50);
      // A 100 % discount is not a discount code.
      const free = await makeCode(creator, { code: 'FREE', bundleId, percentOff: 100 }).expect(400);
      expect(free.body.message).toMatch(/percentOff must be an integer from 1 to 99 \(a free copy is a redeem code\)/);
    });

    it('honours the validity window and disabling', async () => {
      const bundleId = await pricedBundle(creator, 1000);
      const hour = 3600_000;
      await makeCode(creator, {
        code: 'LATER',
        bundleId,
        percentOff: 10,
        startsAt: new Date(Date.now() + hour).toISOString(),
      }).expect(201);
      await makeCode(creator, {
        code: 'PAST',
        bundleId,
        percentOff: 10,
        startsAt: new Date(Date.now() - 2 * hour).toISOString(),
        endsAt: new Date(Date.now() - hour).toISOString(),
      }).expect(201);
      const now = await makeCode(creator, { code: 'NOW', bundleId, percentOff: 10 }).expect(201);
      const buyer = await registerUser(app);
      expect((await checkout(buyer, bundleId, { code: 'LATER' }).expect(400)).body.message).toMatch(/not valid yet/);
      expect((await checkout(buyer, bundleId, { code: 'PAST' }).expect(400)).body.message).toMatch(/expired at/);
      await request(http).post(`/v1/discount-codes/${now.body.id}/disable`).set(creator.auth).expect(200);
      expect((await checkout(buyer, bundleId, { code: 'NOW' }).expect(400)).body.message).toMatch(/disabled/);
      const listed = await request(http).get('/v1/discount-codes').set(creator.auth).expect(200);
      const states = Object.fromEntries(
        (listed.body as { code: string; state: string }[]).map((c) => [c.code, c.state]),
      );
      expect(states).toMatchObject({ LATER: 'SCHEDULED', PAST: 'EXPIRED', NOW: 'DISABLED' });
      await makeCode(creator, {
        code: 'BACKWARDS',
        bundleId,
        percentOff: 10,
        startsAt: new Date(Date.now() + hour).toISOString(),
        endsAt: new Date().toISOString(),
      }).expect(400);
    });

    it('50 concurrent checkouts with a 10-use code give exactly 10 discounts; an expired one gives its use back', async () => {
      const bundleId = await pricedBundle(creator, 2000);
      const code = await makeCode(creator, { code: 'TEN', bundleId, percentOff: 25, maxUses: 10 }).expect(201);
      const buyers = await Promise.all(Array.from({ length: 50 }, () => registerUser(app)));
      const answers = await Promise.all(buyers.map((b) => checkout(b, bundleId, { code: 'TEN' })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10);
      expect(statuses.filter((s) => s === 409)).toHaveLength(40);
      expect(answers.find((a) => a.status === 409)?.body.message).toMatch(/code TEN has been used up \(10 uses\)/);
      const discounted = await prisma.order.findMany({ where: { discountCodeId: code.body.id } });
      expect(discounted).toHaveLength(10);
      expect(discounted.every((o) => o.amount === 1500 && o.originalAmount === 2000)).toBe(true);
      expect(await prisma.discountCode.findUniqueOrThrow({ where: { id: code.body.id } })).toMatchObject({ uses: 10 });

      // A buyer holding a use gets the same session back, even with the code used up.
      const holder = buyers[statuses.indexOf(201)];
      const again = await checkout(holder, bundleId, { code: 'TEN' }).expect(201);
      expect(again.body.orderId).toBe(answers[statuses.indexOf(201)].body.orderId);

      // An unpaid session that expires gives its use back: one more buyer gets the discount.
      const expiring = await prisma.order.findUniqueOrThrow({ where: { id: again.body.orderId } });
      emulator.expireCheckoutSession(expiring.stripeSessionId!);
      await emulator.webhooks.idle();
      expect(await prisma.order.findUniqueOrThrow({ where: { id: expiring.id } })).toMatchObject({ status: 'EXPIRED' });
      expect((await prisma.discountCode.findUniqueOrThrow({ where: { id: code.body.id } })).uses).toBe(9);
      const late = buyers[statuses.indexOf(409)];
      await checkout(late, bundleId, { code: 'TEN' }).expect(201);
      await checkout(await registerUser(app), bundleId, { code: 'TEN' }).expect(409);
    });

    it('a price change expires discounted sessions and gives their uses back', async () => {
      const bundleId = await pricedBundle(creator, 2000);
      const code = await makeCode(creator, { code: 'ONE', bundleId, percentOff: 10, maxUses: 1 }).expect(201);
      const buyer = await registerUser(app);
      const first = await checkout(buyer, bundleId, { code: 'ONE' }).expect(201);
      // Without the code the buyer's discounted session is replaced (another amount), and the use returns.
      await checkout(buyer, bundleId).expect(201);
      expect(await prisma.order.findUniqueOrThrow({ where: { id: first.body.orderId } })).toMatchObject({
        status: 'EXPIRED',
        supersedeReason: 'replaced by a newer checkout',
      });
      expect((await prisma.discountCode.findUniqueOrThrow({ where: { id: code.body.id } })).uses).toBe(0);
      const second = await checkout(await registerUser(app), bundleId, { code: 'ONE' }).expect(201);
      await request(http)
        .put(`/v1/admin/bundles/${bundleId}/price`)
        .set(admin.auth)
        .send({ amount: 2500, currency: 'usd' })
        .expect(200);
      expect(await prisma.order.findUniqueOrThrow({ where: { id: second.body.orderId } })).toMatchObject({
        status: 'EXPIRED',
      });
      expect((await prisma.discountCode.findUniqueOrThrow({ where: { id: code.body.id } })).uses).toBe(0);
      const third = await checkout(await registerUser(app), bundleId, { code: 'ONE' }).expect(201);
      expect((await prisma.order.findUniqueOrThrow({ where: { id: third.body.orderId } })).amount).toBe(2250);
    });

    it('takes the platform fee on the discounted amount (Stripe Connect destination charge)', async () => {
      const seller = await registerUser(app, ['CREATOR'], 'Connected studio');
      const account = await request(http).post('/v1/payouts/account').set(seller.auth).expect(200);
      emulator.onboardAccount(account.body.stripeAccountId, 'complete');
      await emulator.webhooks.idle();
      const bundleId = await pricedBundle(seller, 3000);
      await prisma.bundle.update({ where: { id: bundleId }, data: { platformSellerOfRecord: false } });
      await makeCode(seller, { code: 'THIRD', percentOff: 33 }).expect(201);
      const res = await checkout(await registerUser(app), bundleId, { code: 'THIRD' }).expect(201);
      const order = await pay(res.body.orderId);
      expect(order).toMatchObject({ amount: 2010, originalAmount: 3000, applicationFeeAmount: 201 });
      const charge = emulator.getCharge(
        emulator.getPaymentIntent(order.stripePaymentIntentId!).latest_charge as string,
      );
      expect(charge).toMatchObject({ amount: 2010, application_fee_amount: 201 });
    });

    it("keeps creators to their own bundles' codes; admins act for any creator", async () => {
      const mine = await pricedBundle(creator, 1000);
      const refused = await makeCode(otherCreator, { code: 'STEAL', bundleId: mine, percentOff: 50 }).expect(403);
      expect(refused.body.message).toMatch(/another account/);
      await makeCode(otherCreator, { code: 'STEAL', creatorId: creator.id, percentOff: 50 }).expect(403);
      const own = await makeCode(creator, { code: 'MINE', bundleId: mine, percentOff: 5 }).expect(201);
      await request(http).post(`/v1/discount-codes/${own.body.id}/disable`).set(otherCreator.auth).expect(403);
      const theirs = (await request(http).get('/v1/discount-codes').set(otherCreator.auth).expect(200)).body as {
        code: string;
      }[];
      expect(theirs.map((c) => c.code)).not.toContain('MINE');
      const byAdmin = await makeCode(admin, { code: 'ADMIN10', creatorId: creator.id, percentOff: 10 }).expect(201);
      expect(byAdmin.body).toMatchObject({ creatorId: creator.id, bundleId: null });
      const listed = (await request(http).get('/v1/discount-codes').set(creator.auth).expect(200)).body as {
        code: string;
      }[];
      expect(listed.map((c) => c.code)).toEqual(expect.arrayContaining(['MINE', 'ADMIN10']));
      // Names are per creator: another creator may use the same one.
      await makeCode(otherCreator, { code: 'MINE', percentOff: 5 }).expect(201);
      await makeCode(creator, { code: 'mine', percentOff: 5 }).expect(409);
    });
  });

  describe('redeem codes', () => {
    const redeem = (user: TestUser, code: string) => request(http).post('/v1/redeem').set(user.auth).send({ code });

    it('makes 5 000 codes in one request, exports them as CSV, and each grants one free license once', async () => {
      const bundleId = await pricedBundle(creator, 1500);
      const started = Date.now();
      const made = await request(http)
        .post(`/v1/bundles/${bundleId}/redeem-batches`)
        .set(creator.auth)
        .send({ count: 5000, label: 'festival' })
        .expect(201);
      const ms = Date.now() - started;
      expect(made.body).toMatchObject({ bundleId, size: 5000, used: 0, label: 'festival' });
      // One multi-row INSERT, not 5 000 round trips: well under a few seconds even on a loaded machine.
      expect(ms).toBeLessThan(5000);
      const csv = await request(http).get(made.body.csvUrl).set(creator.auth).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe('code,status,used_at,revoked_at');
      expect(lines).toHaveLength(5001);
      const codes = lines.slice(1).map((l) => l.split(',')[0]);
      expect(new Set(codes).size).toBe(5000);
      expect(codes.every((c) => /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/.test(c))).toBe(true);

      const buyer = await registerUser(app);
      const got = await redeem(buyer, codes[0].toLowerCase().replace(/-/g, ' ')).expect(200);
      expect(got.body).toMatchObject({ source: 'REDEEM', bundleId });
      const order = await prisma.order.findUniqueOrThrow({ where: { id: got.body.orderId } });
      expect(order).toMatchObject({ amount: 0, status: 'PAID', source: 'REDEEM', stripeSessionId: null });
      expect(await licensesOf(buyer, bundleId)).toEqual([
        expect.objectContaining({ id: got.body.licenseId, status: 'ACTIVE' }),
      ]);
      // Used: refused for everyone, the same buyer too.
      expect((await redeem(await registerUser(app), codes[0]).expect(409)).body.message).toMatch(/already been used/);
      expect((await redeem(buyer, codes[1]).expect(409)).body.message).toMatch(
        /already hold license .*; the code stays unused for someone else/,
      );
      // Revoked, one code and then the whole batch.
      await request(http)
        .post(`/v1/redeem-batches/${made.body.id}/codes/${codes[2]}/revoke`)
        .set(creator.auth)
        .expect(200)
        .expect((r) => expect(r.body).toMatchObject({ code: codes[2], status: 'REVOKED' }));
      expect((await redeem(await registerUser(app), codes[2]).expect(410)).body.message).toMatch(/revoked/);
      await request(http)
        .post(`/v1/redeem-batches/${made.body.id}/codes/${codes[0]}/revoke`)
        .set(creator.auth)
        .expect(409);
      const revoked = await request(http)
        .post(`/v1/redeem-batches/${made.body.id}/revoke`)
        .set(creator.auth)
        .expect(200);
      expect(revoked.body).toMatchObject({ used: 1, revoked: 4999 });
      await redeem(await registerUser(app), codes[3]).expect(410);
      // The license already granted stays.
      expect((await licensesOf(buyer, bundleId))[0].status).toBe('ACTIVE');
      const after = await request(http).get(made.body.csvUrl).set(creator.auth).expect(200);
      expect(after.text).toContain(`${codes[0]},USED,`);
      expect(after.text).toContain(`${codes[3]},REVOKED,,`);
      // Redeemed codes are not sales.
      const sales = await request(http).get(`/v1/bundles/${bundleId}/sales`).set(creator.auth).expect(200);
      expect(sales.body.paidCount).toBe(0);
    });

    it('redeems a code once when many redeem it at the same time', async () => {
      const bundleId = await pricedBundle(creator, 1500);
      const batch = await request(http)
        .post(`/v1/bundles/${bundleId}/redeem-batches`)
        .set(creator.auth)
        .send({ count: 1 })
        .expect(201);
      const [, line] = (await request(http).get(batch.body.csvUrl).set(creator.auth).expect(200)).text
        .trim()
        .split('\n');
      const code = line.split(',')[0];
      const users = await Promise.all(Array.from({ length: 10 }, () => registerUser(app)));
      const answers = await Promise.all([...users, users[0]].map((u) => redeem(u, code)));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(10);
      expect(await prisma.license.count({ where: { bundleId } })).toBe(1);
      expect(await prisma.order.count({ where: { bundleId, source: 'REDEEM' } })).toBe(1);
    });

    it("keeps creators from making, reading or revoking another creator's batches; refuses bad input", async () => {
      const bundleId = await pricedBundle(creator, 1500);
      const batch = await request(http)
        .post(`/v1/bundles/${bundleId}/redeem-batches`)
        .set(creator.auth)
        .send({ count: 3 })
        .expect(201);
      await request(http)
        .post(`/v1/bundles/${bundleId}/redeem-batches`)
        .set(otherCreator.auth)
        .send({ count: 3 })
        .expect(403);
      await request(http).get(`/v1/bundles/${bundleId}/redeem-batches`).set(otherCreator.auth).expect(403);
      await request(http).get(batch.body.csvUrl).set(otherCreator.auth).expect(403);
      await request(http).post(`/v1/redeem-batches/${batch.body.id}/revoke`).set(otherCreator.auth).expect(403);
      await request(http).get(batch.body.csvUrl).set(admin.auth).expect(200);
      const tooMany = await request(http)
        .post(`/v1/bundles/${bundleId}/redeem-batches`)
        .set(creator.auth)
        .send({ count: 5001 })
        .expect(400);
      expect(tooMany.body.message.join(' ')).toMatch(/count must not be greater than 5000/);
      await redeem(await registerUser(app), 'AAAA-BBBB-CCCC-DDDD').expect(404);
      await redeem(await registerUser(app), '!!!').expect(404);
    });
  });

  describe('gifts', () => {
    const giftClaims = async (giftId: string) =>
      (await prisma.gift.findUniqueOrThrow({ where: { id: giftId } })).claimToken;

    it('a gift is paid by the buyer, claimed once by the recipient; the buyer gets no license', async () => {
      const bundleId = await pricedBundle(creator, 1200);
      await makeCode(creator, { code: 'GIFTY', bundleId, amountOff: 200, currency: 'usd' }).expect(201);
      const giver = await registerUser(app);
      const recipient = await registerUser(app);
      const bought = await request(http)
        .post(`/v1/bundles/${bundleId}/gifts`)
        .set(giver.auth)
        .send({ recipientEmail: recipient.email, message: 'Enjoy!', code: 'GIFTY' })
        .expect(201);
      expect(bought.body).toMatchObject({ orderId: expect.any(String), giftId: expect.any(String) });
      // Not claimable before payment.
      const early = await giftClaims(bought.body.giftId);
      await request(http).post('/v1/redeem').set(recipient.auth).send({ code: early }).expect(409);
      expect(await prisma.mailMessage.count({ where: { key: `gift:${bought.body.orderId}` } })).toBe(0);

      const order = await pay(bought.body.orderId);
      expect(order).toMatchObject({ status: 'PAID', source: 'GIFT', amount: 1000, originalAmount: 1200 });
      // Duplicated webhooks change nothing: one e-mail to the recipient, with the claim link.
      const completed = emulator.events('checkout.session.completed').at(-1)!;
      await emulator.webhooks.redeliver(completed.id, { times: 3 });
      expect(await licensesOf(giver, bundleId)).toHaveLength(0);
      const mails = await prisma.mailMessage.findMany({ where: { kind: 'gift', to: recipient.email } });
      expect(mails).toHaveLength(1);
      expect(mails[0].data).toMatchObject({ bundleTitle: 'Codes film', fromName: 'Test User', message: 'Enjoy!' });
      const link = new URL((mails[0].data as { redeemUrl: string }).redeemUrl);
      expect(link.pathname).toBe('/redeem');
      const token = link.searchParams.get('code')!;
      expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$/);
      const gifts = await request(http).get('/v1/gifts').set(giver.auth).expect(200);
      expect(gifts.body[0]).toMatchObject({
        id: bought.body.giftId,
        status: 'CLAIMABLE',
        recipientEmail: recipient.email,
      });
      expect(JSON.stringify(gifts.body)).not.toContain(token);

      const claims = await Promise.all(
        [recipient, recipient, await registerUser(app)].map((u) =>
          request(http).post('/v1/redeem').set(u.auth).send({ code: token }),
        ),
      );
      expect(claims.map((c) => c.status).sort()).toEqual([200, 409, 409]);
      const won = claims.find((c) => c.status === 200)!;
      expect(won.body).toMatchObject({ source: 'GIFT', bundleId, orderId: order.id });
      expect(await prisma.license.count({ where: { orderId: order.id } })).toBe(1);
      const claimer = await prisma.license.findUniqueOrThrow({ where: { orderId: order.id } });
      expect(claimer.status).toBe('ACTIVE');
      expect((await request(http).get('/v1/gifts').set(giver.auth).expect(200)).body[0].status).toBe('CLAIMED');
      expect((await request(http).get(`/v1/orders/${order.id}`).set(giver.auth).expect(200)).body).toMatchObject({
        source: 'GIFT',
        licenseId: null,
        giftId: bought.body.giftId,
      });

      // A refund of the gift revokes the claimed license.
      await request(http).post(`/v1/admin/orders/${order.id}/refund`).set(admin.auth).send({}).expect(200);
      await emulator.webhooks.idle();
      expect((await prisma.license.findUniqueOrThrow({ where: { orderId: order.id } })).status).toBe('REVOKED');
    });

    it('a refund before the claim revokes the gift; the claim link then answers 410', async () => {
      const bundleId = await pricedBundle(creator, 900);
      const giver = await registerUser(app);
      const bought = await request(http)
        .post(`/v1/bundles/${bundleId}/gifts`)
        .set(giver.auth)
        .send({ recipientEmail: 'someone@example.test' })
        .expect(201);
      const order = await pay(bought.body.orderId);
      await request(http).post(`/v1/admin/orders/${order.id}/refund`).set(admin.auth).send({}).expect(200);
      await emulator.webhooks.idle();
      expect((await prisma.gift.findUniqueOrThrow({ where: { id: bought.body.giftId } })).status).toBe('REVOKED');
      const token = await giftClaims(bought.body.giftId);
      await request(http)
        .post('/v1/redeem')
        .set((await registerUser(app)).auth)
        .send({ code: token })
        .expect(410);
      expect(await prisma.license.count({ where: { orderId: order.id } })).toBe(0);
    });

    it('gifts of one bundle to two people are two checkouts; the same gift again reuses its session', async () => {
      const bundleId = await pricedBundle(creator, 900);
      const giver = await registerUser(app);
      const gift = (to: string) =>
        request(http).post(`/v1/bundles/${bundleId}/gifts`).set(giver.auth).send({ recipientEmail: to }).expect(201);
      const a = await gift('a@example.test');
      const b = await gift('b@example.test');
      const again = await gift('a@example.test');
      expect(b.body.orderId).not.toBe(a.body.orderId);
      expect(again.body).toEqual(a.body);
      // Buying for oneself is separate from gifts.
      const own = await checkout(giver, bundleId).expect(201);
      expect(own.body.orderId).not.toBe(a.body.orderId);
      expect(await prisma.order.count({ where: { buyerId: giver.id, bundleId, status: 'PENDING' } })).toBe(3);
    });
  });
});
