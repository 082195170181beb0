import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { simpleParser } from 'mailparser';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { MailOutbox } from '@keyseed/mail';
import { JobQueues, RedisUnavailableError } from '@keyseed/queues';
import type { StripeEmulator } from '@keyseed/stripe-emulator';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createPublishedBundle, createReadyItem, startPaygateApp } from '../helpers/paygate-fixtures';
import { eventually, SmtpSink } from '../helpers/smtp-sink';
import { createAdminUser, registerUser, TestUser } from '../helpers/test-app';

const ENV = ['SMTP_URL', 'MAIL_FROM', 'MAIL_DEV_DIR', 'MAIL_RETRY_DELAY_MS', 'SWEEP_INTERVAL_MS'] as const;

/**
 * #17 e-mail: receipts, sale and refund notices go from the Stripe webhook's transaction through the
 * mail outbox and the worker's `mail` queue to a real SMTP server on loopback; a duplicated webhook
 * sends one receipt; an SMTP or Redis outage delays mail without failing the webhook.
 */
describe('mail (e2e): receipts and notices over SMTP, retries, the dev mailbox', () => {
  const smtp = new SmtpSink();
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  const mailbox = mkdtempSync(join(tmpdir(), 'keyseed-mailbox-'));
  let emulator: StripeEmulator;
  let stop: () => Promise<void>;
  let app: NestExpressApplication;
  let http: App;
  let prisma: PrismaService;
  let worker: INestApplicationContext | null = null;
  let admin: TestUser;
  let creator: TestUser;
  let bundleId: string;
  let slug: string;

  beforeAll(async () => {
    process.env.SMTP_URL = await smtp.start();
    process.env.MAIL_FROM = 'Keyseed Films <films@keyseed.test>';
    process.env.MAIL_RETRY_DELAY_MS = '200';
    process.env.SWEEP_INTERVAL_MS = '500';
    ({ emulator, app, http, prisma, stop } = await startPaygateApp());
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    admin = await createAdminUser(app);
    creator = await registerUser(app, ['CREATOR'], 'Cleo Creator');
    bundleId = await createPublishedBundle(app, creator.id, 'Night Train');
    await prisma.bundle.update({ where: { id: bundleId }, data: { platformSellerOfRecord: false } });
    slug = (await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } })).slug;
    await createReadyItem(app, bundleId, { pieceCount: 1 });
    // The creator is paid through Connect, so the sale notice has a fee.
    const account = await request(http).post('/v1/payouts/account').set(creator.auth).expect(200);
    emulator.onboardAccount(account.body.stripeAccountId as string, 'complete');
    await emulator.webhooks.idle();
    await request(http)
      .put(`/v1/admin/bundles/${bundleId}/price`)
      .set(admin.auth)
      .send({ amount: 1500, currency: 'usd' })
      .expect(200);
  });

  afterAll(async () => {
    await worker?.close();
    await stop();
    await smtp.stop();
    rmSync(mailbox, { recursive: true, force: true });
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  async function buy(buyer: TestUser) {
    const res = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: res.body.orderId } });
    const completion = emulator.completeCheckoutSession(order.stripeSessionId!);
    await emulator.webhooks.idle();
    const completed = completion.events.find((e) => e.type === 'checkout.session.completed')!;
    return { orderId: order.id, completedEventId: completed.id };
  }

  const webhookStatuses = (eventId: string) =>
    emulator.webhooks.deliveries
      .filter((d) => d.eventId === eventId)
      .flatMap((d) => d.attempts.map((a) => a.statusCode));

  const mailRow = (key: string) => prisma.mailMessage.findUnique({ where: { key } });

  it('a purchase sends the buyer a receipt and the creator a sale notice with the right content', async () => {
    const buyer = await registerUser(app, ['BUYER'], 'Ann Buyer');
    const { orderId, completedEventId } = await buy(buyer);
    expect(webhookStatuses(completedEventId)).toEqual([200]);

    const receipt = await eventually('the receipt', () => smtp.to(buyer.email)[0]);
    expect(receipt.subject).toBe('Your receipt for "Night Train"');
    expect(receipt.from?.text).toBe('"Keyseed Films" <films@keyseed.test>');
    expect(receipt.text).toContain('Hello Ann Buyer,');
    expect(receipt.text).toContain('Amount paid:  15.00 USD');
    expect(receipt.text).toMatch(/Fees: +none for you: the price is all you pay/);
    expect(receipt.text).toContain(`Order:        ${orderId}`);
    const base = process.env.PUBLIC_URL ?? 'http://127.0.0.1:3000';
    expect(receipt.text).toContain(`${base}/library`);
    expect(receipt.text).toContain(`npx keyseed get ${slug}`);
    expect(receipt.html).toContain('<td>15.00 USD</td>');
    const row = await mailRow(`purchase-receipt:${orderId}`);
    expect(receipt.messageId).toBe(`<${row!.id}@${new URL(base).hostname}>`);

    const sale = await eventually('the sale notice', () => smtp.to(creator.email)[0]);
    expect(sale.subject).toBe('You made a sale: "Night Train"');
    expect(sale.text).toContain('Hello Cleo Creator,');
    expect(sale.text).toContain('Gross:         15.00 USD');
    expect(sale.text).toContain('Platform fee:  1.50 USD');
    expect(sale.text).toContain('Your share:    13.50 USD');
    await eventually('both rows SENT', async () => (await mailRow(`sale-notice:${orderId}`))?.status === 'SENT');
    expect(await mailRow(`purchase-receipt:${orderId}`)).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('a duplicated webhook sends one receipt', async () => {
    const buyer = await registerUser(app);
    emulator.webhooks.mode = 'drop';
    const { orderId, completedEventId } = await buy(buyer);
    emulator.webhooks.mode = 'deliver';
    const attempts = await emulator.webhooks.redeliver(completedEventId, { times: 10 });
    expect(attempts.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    await eventually('the receipt', () => smtp.to(buyer.email).length > 0);
    // Replays after the send change nothing either.
    await emulator.webhooks.redeliver(completedEventId, { times: 3, concurrent: false });
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.to(buyer.email)).toHaveLength(1);
    expect(await prisma.mailMessage.count({ where: { key: `purchase-receipt:${orderId}` } })).toBe(1);
  });

  it('a refund sends the refund notice', async () => {
    const buyer = await registerUser(app, ['BUYER'], 'Rae Refunded');
    const { orderId } = await buy(buyer);
    await eventually('the receipt', () => smtp.to(buyer.email).length === 1);
    await request(http).post(`/v1/admin/orders/${orderId}/refund`).set(admin.auth).send({}).expect(200);
    await emulator.webhooks.idle();
    const notice = await eventually('the refund notice', () =>
      smtp.to(buyer.email).find((m) => m.subject === 'Refund for "Night Train"'),
    );
    expect(notice.text).toContain('Hello Rae Refunded,');
    expect(notice.text).toContain('Amount refunded:  15.00 USD');
    expect(notice.text).toContain('license of this order is revoked');
    expect(await prisma.mailMessage.count({ where: { key: `refund-notice:${orderId}` } })).toBe(1);
  });

  it('SMTP down: the webhook still answers 2xx, the receipt is retried and arrives once the server is back', async () => {
    await smtp.stop();
    const buyer = await registerUser(app);
    const { orderId, completedEventId } = await buy(buyer);
    expect(webhookStatuses(completedEventId)).toEqual([200]);
    expect((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('PAID');
    const failing = await eventually('two failed attempts', async () => {
      const row = await mailRow(`purchase-receipt:${orderId}`);
      return row && row.attempts >= 2 ? row : null;
    });
    expect(failing.status).toBe('PENDING');
    expect(failing.lastError).toMatch(/ECONNREFUSED|connect/i);
    await smtp.start();
    await eventually('the receipt after the outage', () => smtp.to(buyer.email).length > 0, 30_000);
    const sent = await eventually('the row SENT', async () => {
      const row = await mailRow(`purchase-receipt:${orderId}`);
      return row?.status === 'SENT' ? row : null;
    });
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
    expect(sent.lastError).toBeNull();
  });

  it('Redis unreachable while queueing: the webhook still answers 2xx and the sweeper queues the receipt', async () => {
    const jobs = app.get(JobQueues);
    const enqueue = jest
      .spyOn(jobs, 'enqueue')
      .mockRejectedValue(new RedisUnavailableError('queueing mail work', 'connection refused'));
    const buyer = await registerUser(app);
    try {
      const { orderId, completedEventId } = await buy(buyer);
      expect(webhookStatuses(completedEventId)).toEqual([200]);
      expect(enqueue).toHaveBeenCalled();
      expect(await mailRow(`purchase-receipt:${orderId}`)).toMatchObject({ status: 'PENDING', attempts: 0 });
    } finally {
      enqueue.mockRestore();
    }
    await eventually('the receipt queued by the sweeper', () => smtp.to(buyer.email).length > 0, 30_000);
  });

  it('without SMTP_URL, mail is written as .eml files (0600) to the dev mailbox', async () => {
    await worker?.close();
    worker = null;
    delete process.env.SMTP_URL;
    process.env.MAIL_DEV_DIR = join(mailbox, 'inbox');
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.get(MailOutbox).send(
      {
        kind: 'redeem-code',
        to: 'dev@example.test',
        data: {
          bundleTitle: 'Night Train',
          bundleSlug: slug,
          code: 'KS-DEV-0001',
          redeemUrl: 'http://127.0.0.1:3000/redeem?code=KS-DEV-0001',
          fromName: null,
        },
      },
      'redeem-code:e2e-dev-mailbox',
    );
    const dir = join(mailbox, 'inbox');
    const [file] = await eventually('an .eml file', () => {
      try {
        const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
        return files.length ? files : null;
      } catch {
        return null;
      }
    });
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const eml = await simpleParser(readFileSync(join(dir, file)));
    expect(eml.to).toMatchObject({ text: 'dev@example.test' });
    expect(eml.subject).toBe('Your code for "Night Train"');
    expect(eml.text).toContain('Code:  KS-DEV-0001');
    expect(await mailRow('redeem-code:e2e-dev-mailbox')).toMatchObject({ status: 'SENT' });
    expect(smtp.to('dev@example.test')).toHaveLength(0);
  });
});
