import Stripe from 'stripe';
import { DEFAULT_STRIPE_API_VERSION, StripeEmulator } from './stripe-emulator';
import { refId } from './stripe-objects';
import { stripeSdkFor, WebhookReceiver, type ReceivedWebhook } from '../../../test/helpers/webhook-receiver';

const SECRET = 'whsec_test_emulator_spec';

describe('StripeEmulator driven by the real stripe SDK', () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    emulator = new StripeEmulator({
      webhookSecret: SECRET,
      retry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 },
    });
    const base = await emulator.start();
    emulator.setWebhookUrl(await receiver.start('/v1/stripe/webhook'));
    stripe = stripeSdkFor(base, 'sk_test_keyseed_spec');
  });

  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  const createSession = (overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}, opts?: Stripe.RequestOptions) =>
    stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: 'eur', unit_amount: 1299, product_data: { name: 'Night of the Seeds (4K)' } },
          },
        ],
        client_reference_id: 'order_123',
        metadata: { orderId: 'order_123', bundleId: 'bundle_9', buyerId: 'user_7' },
        payment_intent_data: { metadata: { orderId: 'order_123' } },
        success_url: 'https://keyseed.test/orders/order_123?session={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://keyseed.test/bundles/bundle_9',
        ...overrides,
      },
      opts,
    );

  const verified = (r: ReceivedWebhook, secret = SECRET) => stripe.webhooks.constructEvent(r.body, r.signature, secret);

  it('speaks the API version of the installed SDK', () => {
    expect(DEFAULT_STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it('creates a Checkout Session with Stripe field names and replays it for the same idempotency key', async () => {
    const first = await createSession({}, { idempotencyKey: 'order_123' });
    const again = await createSession({}, { idempotencyKey: 'order_123' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.requestId).toMatch(/^req_/);
    expect(first).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 1299,
      currency: 'eur',
      client_reference_id: 'order_123',
      metadata: { orderId: 'order_123', bundleId: 'bundle_9', buyerId: 'user_7' },
      payment_intent: null,
      livemode: false,
    });
    expect(first.id).toMatch(/^cs_test_/);
    expect(first.url).toBe(`${emulator.baseUrl}/pay/${first.id}`);
    expect(first.expires_at - first.created).toBe(24 * 3600);
    expect(emulator.events()).toHaveLength(0);
  });

  it('refuses an idempotency key reused with different parameters', async () => {
    await createSession({}, { idempotencyKey: 'order_1' });
    await expect(
      createSession({ client_reference_id: 'order_2' }, { idempotencyKey: 'order_1' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('answers bad parameters with Stripe-style errors the SDK raises as StripeInvalidRequestError', async () => {
    const tooSmall = await createSession({
      line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 29, product_data: { name: 'x' } } }],
    }).catch((e: unknown) => e);
    expect(tooSmall).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooSmall).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'line_items' });

    const currency = await createSession({
      line_items: [{ quantity: 1, price_data: { currency: 'xyz', unit_amount: 500, product_data: { name: 'x' } } }],
    }).catch((e: unknown) => e);
    expect(currency).toMatchObject({ type: 'StripeInvalidRequestError', param: 'line_items[0][price_data][currency]' });

    const missing = await createSession({
      line_items: [{ quantity: 1, price_data: { currency: 'usd', product_data: { name: 'x' } } }],
    }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price_data][unit_amount]' });

    const notFound = await stripe.checkout.sessions.retrieve('cs_test_nope').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('accepts zero-decimal amounts at their own minimum', async () => {
    const jpy = await createSession({
      line_items: [{ quantity: 2, price_data: { currency: 'jpy', unit_amount: 25, product_data: { name: 'x' } } }],
    });
    expect(jpy).toMatchObject({ amount_total: 50, currency: 'jpy' });
  });

  it('rejects requests without a test-mode key', async () => {
    const base = new URL(emulator.baseUrl);
    const live = new Stripe('sk_live_nope', {
      host: base.hostname,
      port: Number(base.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(live.checkout.sessions.retrieve('cs_test_x')).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
    const res = await fetch(`${emulator.baseUrl}/v1/checkout/sessions/cs_test_x`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('completes a paid checkout and delivers a webhook the SDK verifies', async () => {
    const session = await createSession();
    emulator.completeCheckoutSession(session.id, 'succeeded');
    await emulator.webhooks.idle();

    const events = receiver.received.map((r) => verified(r));
    expect(events.map((e) => e.type)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    const completed = events[3];
    expect(completed).toMatchObject({
      object: 'event',
      api_version: Stripe.API_VERSION,
      livemode: false,
      pending_webhooks: 1,
    });
    const obj = completed.data.object as Stripe.Checkout.Session;
    expect(obj).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'order_123',
    });

    const fetched = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    const pi = fetched.payment_intent as Stripe.PaymentIntent;
    const charge = pi.latest_charge as Stripe.Charge;
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 1299,
      amount_received: 1299,
      metadata: { orderId: 'order_123' },
    });
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      amount_refunded: 0,
      refunded: false,
      disputed: false,
      payment_intent: pi.id,
    });

    const listed = await stripe.checkout.sessions.list({ payment_intent: pi.id });
    expect(listed.data.map((s) => s.id)).toEqual([session.id]);
    expect((await stripe.events.retrieve(completed.id)).type).toBe('checkout.session.completed');
    const recent = await stripe.events.list({ type: 'checkout.session.*', created: { gte: completed.created } });
    expect(recent.data.map((e) => e.id)).toEqual([completed.id]);
    await expect(
      stripe.checkout.sessions.list({ client_reference_id: 'order_123' } as Stripe.Checkout.SessionListParams),
    ).rejects.toMatchObject({ code: 'parameter_unknown' });
  });

  it('refunds through the API and emits charge.refunded with the updated charge', async () => {
    const session = await createSession();
    const { paymentIntent, charge } = emulator.completeCheckoutSession(session.id, 'succeeded');
    const refund = await stripe.refunds.create({
      payment_intent: paymentIntent.id,
      amount: 299,
      metadata: { reason: 'spec' },
    });
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 299,
      status: 'succeeded',
      charge: charge.id,
      payment_intent: paymentIntent.id,
    });
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 299, refunded: false });

    await stripe.refunds.create({ charge: charge.id });
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 1299, refunded: true });
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });

    await emulator.webhooks.idle();
    const refunded = receiver.received.map((r) => verified(r)).filter((e) => e.type === 'charge.refunded');
    expect(refunded.map((e) => e.data.object.refunded)).toEqual([false, true]);
    expect(refunded[0].request).toMatchObject({ id: refund.lastResponse.requestId });
    expect(receiver.types().filter((t) => t === 'refund.created')).toHaveLength(2);
  });

  it('plays the refunded outcome as a full refund after payment', async () => {
    const session = await createSession();
    const result = emulator.completeCheckoutSession(session.id, 'refunded');
    expect(result.events.map((e) => e.type).slice(-2)).toEqual(['charge.refunded', 'refund.created']);
    expect(emulator.getCharge(result.charge.id)).toMatchObject({ refunded: true, amount_refunded: 1299 });
  });

  it('completes unpaid and then reports an asynchronous failure', async () => {
    const session = await createSession();
    emulator.completeCheckoutSession(session.id, 'async_failed');
    await emulator.webhooks.idle();
    const checkout = receiver.received.map((r) => verified(r)).filter((e) => e.type.startsWith('checkout.session.'));
    expect(checkout.map((e) => [e.type, (e.data.object as Stripe.Checkout.Session).payment_status])).toEqual([
      ['checkout.session.completed', 'unpaid'],
      ['checkout.session.async_payment_failed', 'unpaid'],
    ]);
    const s = emulator.getCheckoutSession(session.id);
    expect(emulator.getPaymentIntent(refId(s.payment_intent)).status).toBe('requires_payment_method');
  });

  it('settles a pending asynchronous payment later', async () => {
    const session = await createSession();
    emulator.completeCheckoutSession(session.id, 'async_pending');
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('unpaid');
    emulator.settleAsyncPayment(session.id, 'succeeded');
    await emulator.webhooks.idle();
    expect(receiver.types().filter((t) => t.startsWith('checkout.'))).toEqual([
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
    ]);
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
  });

  it('opens a dispute and closes it as won over the control API', async () => {
    const session = await createSession();
    const res = await fetch(`${emulator.baseUrl}/_emulator/checkout/sessions/${session.id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'disputed' }),
    });
    expect(res.status).toBe(200);
    const { dispute } = (await res.json()) as { dispute: { id: string } };
    const closed = await fetch(`${emulator.baseUrl}/_emulator/disputes/${dispute.id}/close`, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'won' }),
    });
    expect(closed.status).toBe(200);
    const fetched = await stripe.disputes.retrieve(dispute.id);
    expect(fetched).toMatchObject({ object: 'dispute', status: 'won', amount: 1299, currency: 'eur' });
    expect(await stripe.charges.retrieve(fetched.charge as string)).toMatchObject({ disputed: true });
    await emulator.webhooks.idle();
    const disputes = receiver.received.map((r) => verified(r)).filter((e) => e.type.startsWith('charge.dispute.'));
    expect(disputes.map((e) => [e.type, (e.data.object as Stripe.Dispute).status])).toEqual([
      ['charge.dispute.created', 'needs_response'],
      ['charge.dispute.closed', 'won'],
    ]);
    await expect(
      stripe.refunds.create({ payment_intent: refId(emulator.getCheckoutSession(session.id).payment_intent) }),
    ).rejects.toMatchObject({ code: 'charge_disputed' });
  });

  it('expires an open session once', async () => {
    const session = await createSession();
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect(() => emulator.completeCheckoutSession(session.id)).toThrow(/expired/);
    await emulator.webhooks.idle();
    expect(receiver.types()).toEqual(['checkout.session.expired']);
  });

  it('expires sessions on their own once expires_at has passed', async () => {
    const session = await createSession();
    expect(emulator.expireDueSessions(session.expires_at - 1)).toBe(0);
    expect(emulator.expireDueSessions(session.expires_at)).toBe(1);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    await expect(createSession({ expires_at: Math.floor(Date.now() / 1000) + 60 })).rejects.toMatchObject({
      param: 'expires_at',
    });
  });

  it('signs so that a stale timestamp or a wrong secret fails verification', async () => {
    const session = await createSession();
    emulator.webhooks.signing = { timestampOffsetSeconds: -600 };
    emulator.completeCheckoutSession(session.id);
    await emulator.webhooks.idle();
    expect(() => verified(receiver.received[0])).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verified(receiver.received[0])).toThrow(/tolerance/);

    const completed = emulator.events('checkout.session.completed')[0];
    const [attempt] = await emulator.webhooks.redeliver(completed.id, { signing: { secret: 'whsec_wrong' } });
    expect(attempt.statusCode).toBe(200);
    expect(() => verified(receiver.received[receiver.received.length - 1])).toThrow(/No signatures found matching/);
  });

  it('retries failed deliveries with backoff, then gives up', async () => {
    receiver.statuses = [500, 503];
    const session = await createSession();
    emulator.expireCheckoutSession(session.id);
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    expect(emulator.webhooks.deliveries[0]).toMatchObject({
      status: 'delivered',
      eventType: 'checkout.session.expired',
    });
    expect(emulator.webhooks.deliveries[0].attempts.map((a) => a.statusCode)).toEqual([500, 503, 200]);

    receiver.statuses = [500, 500, 500];
    emulator.expireCheckoutSession((await createSession()).id);
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries[1].status).toBe('failed');
  });

  it('drops, holds, reorders and replays deliveries for tests', async () => {
    emulator.webhooks.dropNext(1);
    const lost = emulator.expireCheckoutSession((await createSession()).id);
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(0);
    expect(emulator.webhooks.deliveries[0].status).toBe('dropped');
    expect((await stripe.events.list({ type: 'checkout.session.expired' })).data[0].data.object).toMatchObject({
      id: lost.id,
    });

    emulator.webhooks.mode = 'hold';
    const session = await createSession();
    emulator.completeCheckoutSession(session.id, 'async_succeeded');
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(0);
    emulator.webhooks.mode = 'deliver';
    await emulator.webhooks.release('reverse');
    const types = receiver.types();
    expect(types.indexOf('checkout.session.async_payment_succeeded')).toBeLessThan(
      types.indexOf('checkout.session.completed'),
    );

    const completed = emulator.events('checkout.session.completed')[0];
    const before = receiver.received.length;
    const attempts = await emulator.webhooks.redeliver(completed.id, { times: 5 });
    expect(attempts.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const replays = receiver.received.slice(before);
    expect(new Set(replays.map((r) => verified(r).id))).toEqual(new Set([completed.id]));
  });

  it('serves a pay page whose buttons complete the session and redirect to success_url', async () => {
    const session = await createSession();
    const page = await fetch(session.url as string);
    expect(await page.text()).toContain('value="succeeded"');
    const res = await fetch(`${emulator.baseUrl}/_emulator/checkout/sessions/${session.id}/complete`, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'succeeded', redirect: '1' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://keyseed.test/orders/order_123?session=${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
  });
});
