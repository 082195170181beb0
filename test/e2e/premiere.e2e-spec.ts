import { createHash } from 'node:crypto';
import request from 'supertest';
import { decryptPieceInto, derivePieceKey, generateDeviceKeyPair, openContentKeys } from '@keyseed/crypto';
import {
  createPublishedBundle,
  createReadyItem,
  type PaygateSuite,
  ReadyItem,
  setBundlePrice,
  startPaygateSuite,
} from '../helpers/paygate-fixtures';
import { registerUser, TestUser } from '../helpers/test-app';
import { MailOutbox } from '@keyseed/mail';
import { KeyRouteWarmup } from '../../apps/api/src/keys/key-route-warmup';
import {
  AnnounceReleasesService,
  RELEASE_NOTICE_DELAY_MS,
} from '../../apps/worker/src/housekeeping/announce-releases.service';

/**
 * Premieres: a bundle with a future releaseAt is in the catalog and sold (pre-orders through Stripe
 * Checkout give ACTIVE licenses), but license keys wait for releaseAt (425 with the time); moving
 * releaseAt (no sleeping) releases them with no job; a refund before the release revokes.
 */
describe('premieres (e2e): pre-orders, keys withheld until releaseAt', () => {
  let suite: PaygateSuite;
  let { emulator, app, http, prisma, admin, creator } = {} as PaygateSuite;
  let bundleId: string;
  let slug: string;
  let item: ReadyItem;
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

  beforeAll(async () => {
    suite = await startPaygateSuite();
    ({ emulator, app, http, prisma, admin, creator } = suite);
    bundleId = await createPublishedBundle(app, creator.id, 'Premiere film');
    slug = (await prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } })).slug;
    item = await createReadyItem(app, bundleId, { previewPieces: 1 });
    await setBundlePrice(suite, bundleId, { amount: 1500 });
  });

  afterAll(() => suite.stop());

  const setRelease = (who: TestUser, releaseAt: string | null) =>
    request(http).put(`/v1/bundles/${bundleId}/release`).set(who.auth).send({ releaseAt });

  async function preOrder(buyer: TestUser) {
    const res = await request(http).post(`/v1/bundles/${bundleId}/checkout`).set(buyer.auth).send({}).expect(201);
    const orderId = res.body.orderId as string;
    const { stripeSessionId } = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
    emulator.completeCheckoutSession(stripeSessionId!, 'succeeded');
    await emulator.webhooks.idle();
    const license = await prisma.license.findUniqueOrThrow({ where: { orderId } });
    const pair = generateDeviceKeyPair();
    const device = await request(http)
      .post(`/v1/licenses/${license.id}/devices`)
      .set(buyer.auth)
      .send({ publicKey: pair.publicKey, name: 'laptop' })
      .expect(201);
    return { orderId, license, ...pair, deviceId: device.body.id as string };
  }

  const askKeys = (buyer: TestUser, p: { license: { id: string }; deviceId: string }) =>
    request(http).post(`/v1/licenses/${p.license.id}/keys`).set(buyer.auth).send({ deviceId: p.deviceId });

  it('sells pre-orders and withholds their keys with the release time until releaseAt, then delivers with no job', async () => {
    const releaseAt = inAnHour();
    const set = await setRelease(creator, releaseAt).expect(200);
    expect(set.body.releaseAt).toBe(releaseAt);
    const page = await request(http).get(`/v1/catalog/${slug}`).expect(200);
    expect(page.body).toMatchObject({ releaseAt, released: false });

    const buyer = await registerUser(app, ['BUYER']);
    const pre = await preOrder(buyer);
    expect(pre.license.status).toBe('ACTIVE');
    const deliveries = await prisma.keyDelivery.count({ where: { licenseId: pre.license.id } });
    const early = await askKeys(buyer, pre).expect(425);
    expect(early.body).toMatchObject({ statusCode: 425, error: 'Too Early', releaseAt });
    expect(early.body.message).toMatch(new RegExp(`releases at ${releaseAt}`));
    expect(Number(early.headers['retry-after'])).toBeGreaterThan(3500);
    expect(await prisma.keyDelivery.count({ where: { licenseId: pre.license.id } })).toBe(deliveries);

    // Previews follow the creator's previewPieces, premiere or not.
    await request(http)
      .post(`/v1/bundles/${bundleId}/preview-keys`)
      .send({ publicKey: generateDeviceKeyPair().publicKey })
      .expect(200);

    // The admin moves the release into the past: the next request gets the keys, and they decrypt.
    await setRelease(admin, new Date(Date.now() - 1000).toISOString()).expect(200);
    const res = await askKeys(buyer, pre).expect(200);
    const [opened] = openContentKeys(pre.privateKey, pre.deviceId, res.body, pre.license.id);
    const plain = item.pieces.map((ct, i) => {
      const out = Buffer.alloc(ct.length);
      decryptPieceInto(derivePieceKey(opened.contentKey, i), ct, out);
      return out;
    });
    expect(createHash('sha256').update(Buffer.concat(plain)).digest('hex')).toBe(opened.plaintextSha256);
    expect(opened.plaintextSha256).toBe(item.plaintextSha256);
    expect(opened.plaintextPieceRoot).toBe(item.plaintextPieceRoot);
    expect(await prisma.keyDelivery.count({ where: { licenseId: pre.license.id } })).toBe(deliveries + 1);
    expect((await request(http).get(`/v1/catalog/${slug}`).expect(200)).body.released).toBe(true);

    const changes = await prisma.auditLog.findMany({
      where: { action: 'bundle.release.set', targetId: bundleId },
      orderBy: { createdAt: 'asc' },
    });
    expect(changes.map((c) => c.actorId)).toEqual([creator.id, admin.id]);
  });

  it('revokes a pre-order refunded before the release: no keys, before or after releaseAt', async () => {
    await setRelease(creator, inAnHour()).expect(200);
    const buyer = await registerUser(app, ['BUYER']);
    const pre = await preOrder(buyer);
    await request(http).post(`/v1/admin/orders/${pre.orderId}/refund`).set(admin.auth).send({}).expect(200);
    await emulator.webhooks.idle();
    expect((await prisma.license.findUniqueOrThrow({ where: { id: pre.license.id } })).status).toBe('REVOKED');
    await askKeys(buyer, pre).expect(403);
    await setRelease(creator, null).expect(200);
    const late = await askKeys(buyer, pre).expect(403);
    expect(late.body.message).toMatch(/REVOKED/);
  });

  it('e-mails pre-order buyers: the receipt says when the keys come, a notice once the release is a few minutes old, once per license', async () => {
    const releaseAt = inAnHour();
    await setRelease(creator, releaseAt).expect(200);
    const fan = await registerUser(app, ['BUYER']);
    const pre = await preOrder(fan);
    const receipt = await prisma.mailMessage.findUniqueOrThrow({ where: { key: `purchase-receipt:${pre.orderId}` } });
    expect(receipt.data).toMatchObject({ releaseAt });

    // "Release now" (null) on a pending premiere records the moment, so the release is announced.
    const released = await setRelease(creator, null).expect(200);
    const releasedAt = new Date(released.body.releaseAt as string);
    expect(Math.abs(releasedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const late = await registerUser(app, ['BUYER']);
    const bought = await preOrder(late); // bought after the release: its receipt is an ordinary one
    const lateReceipt = await prisma.mailMessage.findUniqueOrThrow({
      where: { key: `purchase-receipt:${bought.orderId}` },
    });
    expect(lateReceipt.data).not.toHaveProperty('releaseAt');

    const announcer = new AnnounceReleasesService(prisma, app.get(MailOutbox));
    expect(await announcer.run()).toEqual({ bundles: 0, notices: 0 }); // the release minute is the clients'
    const later = new Date(Date.now() + RELEASE_NOTICE_DELAY_MS + 1000);
    const told = await prisma.license.findMany({
      where: { bundleId, status: 'ACTIVE', createdAt: { lt: releasedAt } },
      select: { id: true },
    });
    expect(told.map((l) => l.id)).toContain(pre.license.id);
    expect(await announcer.run(later)).toEqual({ bundles: 1, notices: told.length });
    const notice = await prisma.mailMessage.findUniqueOrThrow({ where: { key: `release-notice:${pre.license.id}` } });
    expect(notice).toMatchObject({ kind: 'release-notice', to: fan.email, status: 'PENDING' });
    expect(notice.data).toMatchObject({ bundleSlug: slug, releasedAt: releasedAt.toISOString() });
    expect(await prisma.mailMessage.count({ where: { key: `release-notice:${bought.license.id}` } })).toBe(0);
    expect(await announcer.run(later)).toEqual({ bundles: 0, notices: 0 });

    // Moved ahead and released again: announced again, only to whom was not told: the buyer of the
    // first release, whose keys were withheld again in between.
    await setRelease(creator, inAnHour()).expect(200);
    await setRelease(creator, null).expect(200);
    expect(await announcer.run(new Date(Date.now() + RELEASE_NOTICE_DELAY_MS + 1000))).toEqual({
      bundles: 1,
      notices: 1,
    });
    expect(await prisma.mailMessage.count({ where: { key: `release-notice:${bought.license.id}` } })).toBe(1);
  });

  it('sets releaseAt on publish, and refuses malformed or far-off times', async () => {
    const draft = await request(http)
      .post('/v1/bundles')
      .set(creator.auth)
      .send({ title: 'Premiere draft' })
      .expect(201);
    await prisma.bundle.update({ where: { id: draft.body.id }, data: { pieceLength: 16384 } });
    await createReadyItem(app, draft.body.id);
    const releaseAt = inAnHour();
    await request(http).post(`/v1/bundles/${draft.body.id}/publish`).set(creator.auth).send({ releaseAt }).expect(202);
    const row = await prisma.bundle.findUniqueOrThrow({ where: { id: draft.body.id } });
    expect([row.status, row.releaseAt?.toISOString()]).toEqual(['PUBLISHING', releaseAt]);

    for (const bad of ['2030-01-01', '2030-01-01T10:00:00', 'soon', '2099-01-01T00:00:00Z']) {
      const r = await setRelease(creator, bad).expect(400);
      expect(String(r.body.message)).toMatch(/releaseAt/);
    }
    const stranger = await registerUser(app, ['CREATOR']);
    await setRelease(stranger, null).expect(403);
  });

  it('readies the key route once the API listens with requests that touch no license, rate limit or audit row', async () => {
    const deliveries = await prisma.keyDelivery.count();
    await expect(app.get(KeyRouteWarmup).warmUp()).resolves.toEqual({ statuses: { 401: 256 }, failed: 0 });
    expect(await prisma.keyDelivery.count()).toBe(deliveries);
  });
});
