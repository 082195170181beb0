import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import type { StripeEmulator } from '@keyseed/stripe-emulator';
import { createPublishedBundle, startEmulatorForApp } from '../helpers/paygate-fixtures';
import { createAdminUser, registerUser, startTestApp } from '../helpers/test-app';

describe('checkout: second attempts and the pages Stripe sends the browser back to (e2e)', () => {
  let emulator: StripeEmulator;
  let app: NestExpressApplication;
  let http: App;
  let bundleId: string;

  beforeAll(async () => {
    emulator = await startEmulatorForApp();
    app = await startTestApp();
    await app.listen(0, '127.0.0.1');
    http = app.getHttpServer();
    emulator.setWebhookUrl(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/v1/stripe/webhook`);
    const admin = await createAdminUser(app);
    const creator = await registerUser(app, ['CREATOR']);
    bundleId = await createPublishedBundle(app, creator.id, 'Return <Page> Film');
    await request(http)
      .put(`/v1/admin/bundles/${bundleId}/price`)
      .set(admin.auth)
      .send({ amount: 900, currency: 'eur' })
      .expect(200);
  });

  afterAll(async () => {
    await app.close();
    await emulator.stop();
  });

  it('hands a buyer who starts checkout twice the same open session instead of a second one', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    const first = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const second = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    expect(second.body).toEqual(first.body);
    expect(await app.get(PrismaService).order.count({ where: { buyerId: buyer.id } })).toBe(1);
  });

  it('opens a new session once the previous one expired', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    const first = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const order = await app.get(PrismaService).order.findUniqueOrThrow({ where: { id: first.body.orderId } });
    emulator.expireCheckoutSession(order.stripeSessionId!);
    await emulator.webhooks.idle();
    const second = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    expect(second.body.orderId).not.toBe(first.body.orderId);
  });

  it("tells the return pages an order's state and bundle without a token", async () => {
    const buyer = await registerUser(app, ['BUYER']);
    const { body } = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const order = await app
      .get(PrismaService)
      .order.findUniqueOrThrow({ where: { id: body.orderId }, include: { bundle: true } });
    const pending = await request(http).get(`/v1/checkout/orders/${body.orderId}`).expect(200);
    expect(pending.body).toEqual({
      orderId: body.orderId,
      status: 'PENDING',
      bundle: { slug: order.bundle.slug, title: 'Return <Page> Film' },
    });
    emulator.completeCheckoutSession(order.stripeSessionId!, 'succeeded');
    await emulator.webhooks.idle();
    const paid = await request(http).get(`/v1/checkout/orders/${body.orderId}`).expect(200);
    expect(paid.body.status).toBe('PAID');
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    const unknown = await request(http).get('/v1/checkout/orders/00000000-0000-4000-8000-000000000000').expect(404);
    expect(unknown.body.message).toMatch(/order .* not found/);
    await request(http).get('/v1/checkout/orders/%3Cscript%3E').expect(400);
  });
});
