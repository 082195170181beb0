import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { simpleParser } from 'mailparser';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import { generateDeviceKeyPair, openContentKeys, SealedKeySet } from '@keyseed/crypto';
import { PrismaService } from '@keyseed/database';
import { MailOutbox } from '@keyseed/mail';
import { JobQueues, RedisUnavailableError } from '@keyseed/queues';
import type { StripeEmulator } from '@keyseed/stripe-emulator';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { isolatedEnv, IsolatedEnv } from '../helpers/fault-platform';
import { createPublishedBundle, createReadyItem, ReadyItem, startPaygateApp } from '../helpers/paygate-fixtures';
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

  let isolated: IsolatedEnv;

  beforeAll(async () => {
    // A database and Redis prefix of its own: this suite's worker sweeps every 0.5 s, and would take
    // (and fail, its DATA_DIR lacking their uploads) the ingest jobs of suites running beside it.
    isolated = await isolatedEnv('mail');
    process.env.DATABASE_URL = isolated.databaseUrl;
    process.env.REDIS_PREFIX = isolated.env.REDIS_PREFIX;
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
    await isolated?.cleanup();
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

  describe('the email gate', () => {
    let gated: { id: string; slug: string; items: ReadyItem[] };

    /** The token of the latest confirmation link e-mailed to `address`. */
    async function linkTokenFor(address: string, count = 1): Promise<string> {
      const mails = await eventually('the confirmation e-mail', () => {
        const m = smtp.to(address).filter((x) => x.subject?.startsWith('Confirm your e-mail'));
        return m.length >= count ? m : null;
      });
      const mail = mails[mails.length - 1];
      const match = /\/b\/([^/?\s]+)\?gate=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
      expect(match?.[1]).toBe(gated.slug);
      return match![2];
    }

    const signup = (email: string) => request(http).post(`/v1/bundles/${gated.id}/email-gate/signups`).send({ email });
    const confirm = (token: string, user?: TestUser) => {
      const req = request(http).post('/v1/email-gate/confirm');
      return (user ? req.set(user.auth) : req).send({ token });
    };

    beforeAll(async () => {
      const id = await createPublishedBundle(app, creator.id, 'Free Short');
      const items = [
        await createReadyItem(app, id, { pieceCount: 1, position: 0 }),
        await createReadyItem(app, id, { pieceCount: 1, position: 1 }),
      ];
      gated = { id, slug: (await prisma.bundle.findUniqueOrThrow({ where: { id } })).slug, items };
    });

    it('the creator gates some items; anyone sees the gate', async () => {
      await request(http)
        .post(`/v1/bundles/${gated.id}/email-gate/signups`)
        .send({ email: 'early@example.test' })
        .expect(409)
        .expect((r) => expect(r.body.message).toMatch(/not email-gated/));
      const set = await request(http)
        .put(`/v1/bundles/${gated.id}/email-gate`)
        .set(creator.auth)
        .send({ enabled: true, itemIds: [gated.items[0].id] })
        .expect(200);
      expect(set.body).toEqual({
        bundleId: gated.id,
        enabled: true,
        wholeBundle: false,
        itemIds: [gated.items[0].id],
        confirmedFans: 0,
      });
      const seen = await request(http).get(`/v1/bundles/${gated.id}/email-gate`).expect(200);
      expect(seen.body).toMatchObject({ enabled: true, wholeBundle: false, confirmedFans: null });
    });

    it('a sign-up e-mails a double opt-in link; confirming twice, concurrently, grants exactly one license', async () => {
      const fanEmail = `Fan-${Date.now()}@Example.test`;
      const res = await signup(fanEmail).expect(202);
      expect(res.body.status).toBe('sent');
      // A second request within a minute sends nothing new (the first link still works).
      await signup(fanEmail).expect(202);
      const token = await linkTokenFor(fanEmail.toLowerCase());
      const mail = smtp.to(fanEmail.toLowerCase());
      expect(mail).toHaveLength(1);
      expect(mail[0].subject).toBe('Confirm your e-mail to unlock "Free Short"');
      expect(mail[0].text).toContain('Your address is shared with Cleo Creator');

      // Opened without an account: confirmed, nothing granted; the same link claims after logging in.
      const anonymous = await confirm(token).expect(200);
      expect(anonymous.body).toMatchObject({ bundleId: gated.id, licenseId: null, email: fanEmail.toLowerCase() });
      const fan = await registerUser(app, ['BUYER'], 'Fan');
      const answers = await Promise.all(Array.from({ length: 6 }, () => confirm(token, fan)));
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
      const licenseIds = new Set(answers.map((a) => a.body.licenseId as string));
      expect(licenseIds.size).toBe(1);
      const [licenseId] = [...licenseIds];
      const licenses = await prisma.license.findMany({ where: { buyerId: fan.id }, include: { order: true } });
      expect(licenses).toHaveLength(1);
      expect(licenses[0]).toMatchObject({ id: licenseId, source: 'EMAIL_GATE', status: 'ACTIVE' });
      expect(licenses[0].order).toMatchObject({ amount: 0, status: 'PAID', paidAt: null });
      // Clicked again later: the same license.
      expect((await confirm(token, fan).expect(200)).body.licenseId).toBe(licenseId);
      // Another account cannot claim the same confirmation.
      const other = await registerUser(app);
      await confirm(token, other)
        .expect(409)
        .expect((r) => expect(r.body.message).toMatch(/another account/));
      expect(await prisma.license.count({ where: { buyerId: other.id } })).toBe(0);

      // The license delivers the gated item's key only.
      const library = await request(http).get('/v1/licenses').set(fan.auth).expect(200);
      expect(library.body[0]).toMatchObject({ id: licenseId, source: 'EMAIL_GATE' });
      const device = generateDeviceKeyPair();
      const deviceId = (
        await request(http)
          .post(`/v1/licenses/${licenseId}/devices`)
          .set(fan.auth)
          .send({ publicKey: device.publicKey })
          .expect(201)
      ).body.id as string;
      const keys = await request(http)
        .post(`/v1/licenses/${licenseId}/keys`)
        .set(fan.auth)
        .send({ deviceId })
        .expect(200);
      const opened = openContentKeys(device.privateKey, deviceId, keys.body as SealedKeySet, licenseId);
      expect(opened.map((k) => k.itemId)).toEqual([gated.items[0].id]);
      await request(http)
        .post(`/v1/licenses/${licenseId}/keys`)
        .set(fan.auth)
        .send({ deviceId, items: [{ itemId: gated.items[1].id }] })
        .expect(403)
        .expect((r) => expect(r.body.message).toMatch(/not unlocked by the email gate/));
      // A fan may still buy the whole bundle.
      await prisma.bundle.update({ where: { id: gated.id }, data: { priceAmount: 500, priceCurrency: 'usd' } });
      await request(http).post(`/v1/bundles/${gated.id}/checkout`).set(fan.auth).send({}).expect(201);
    });

    it('a logged-in fan claims at once; an expired link is refused', async () => {
      const fan = await registerUser(app, ['BUYER'], 'Quick Fan');
      await signup(fan.email).expect(202);
      const token = await linkTokenFor(fan.email);
      const res = await confirm(token, fan).expect(200);
      expect(res.body.licenseId).toEqual(expect.any(String));

      const late = `late-${Date.now()}@example.test`;
      await signup(late).expect(202);
      const lateToken = await linkTokenFor(late);
      await prisma.fanSignup.updateMany({
        where: { email: late },
        data: { tokenExpiresAt: new Date(Date.now() - 1000) },
      });
      await confirm(lateToken)
        .expect(410)
        .expect((r) => expect(r.body.message).toMatch(/expired/));
    });

    it('the creator (and admins) export the confirmed fans as CSV', async () => {
      const res = await request(http).get(`/v1/bundles/${gated.id}/email-gate/fans.csv`).set(creator.auth).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${gated.slug}-fans.csv"`);
      const lines = res.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe('email,confirmed_at,signed_up_at,claimed_into_account');
      const rows = lines.slice(1).map((l) => l.split(','));
      // Two confirmed (one claimed after confirming anonymously, one claimed at once); the expired one never confirmed.
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r[3] === 'yes' && !Number.isNaN(Date.parse(r[1])))).toBe(true);
      expect(rows.some((r) => r[0].startsWith('late-'))).toBe(false);
      const byAdmin = await request(http)
        .get(`/v1/bundles/${gated.id}/email-gate/fans.csv`)
        .set(admin.auth)
        .expect(200);
      expect(byAdmin.text).toBe(res.text);
      const gate = await request(http).get(`/v1/bundles/${gated.id}/email-gate`).set(creator.auth).expect(200);
      expect(gate.body.confirmedFans).toBe(2);
    });
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
    // The file is written before the row is marked SENT.
    await eventually('the row SENT', async () => (await mailRow('redeem-code:e2e-dev-mailbox'))?.status === 'SENT');
    expect(smtp.to('dev@example.test')).toHaveLength(0);
  });
});
