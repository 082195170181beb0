import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import request from 'supertest';
import { hashTokenSecret } from '@keyseed/auth';
import { HotPathPool, PrismaService } from '@keyseed/database';
import { generateDeviceKeyPair } from '@keyseed/crypto';
import { KeyDeliveryStore } from '../../apps/api/src/keys/key-delivery.store';
import { KeyRateLimitedException, KeyRateLimiter } from '../../apps/api/src/keys/key-rate-limiter';
import { createPublishedBundle, createReadyItem, startEmulatorForApp } from '../helpers/paygate-fixtures';
import { registerUser, startTestApp, TestUser } from '../helpers/test-app';
import type { StripeEmulator } from '@keyseed/stripe-emulator';

/**
 * The fast path (docs/architecture.md) answers `POST /v1/licenses/:id/keys`, `GET /announce` and
 * `GET /scrape` ahead of Express. Every request here goes to the app as it runs (fast path) and to
 * the same app's Express handler alone (what the routes answered before), and the two answers must
 * be the same: status, headers (helmet's, request id, ETag, Retry-After), and the body.
 */

/** Headers that differ between any two answers (time, connection, minted request ids). */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);

interface Exchange {
  method: 'get' | 'post' | 'head';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

async function send(server: Server, ex: Exchange): Promise<Answer> {
  let req = request(server)[ex.method](ex.url).buffer(true);
  req = req.parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  for (const [k, v] of Object.entries(ex.headers ?? {})) req = req.set(k, v);
  // Bytes as they are (superagent would serialise a Buffer as JSON).
  if (Buffer.isBuffer(ex.body)) req = req.serialize((bytes: unknown) => bytes as string);
  const res = ex.body === undefined ? await req : await req.send(ex.body);
  const headers = Object.fromEntries(
    Object.entries(res.headers as Record<string, string>).filter(([k]) => !VARYING.has(k)),
  );
  return { status: res.status, headers, body: (res.body as Buffer | undefined) ?? Buffer.alloc(0) };
}

describe('fast path (e2e): same answers as the Express routes', () => {
  let app: NestExpressApplication;
  let emulator: StripeEmulator;
  let fast: Server;
  let viaExpress: Server;
  let prisma: PrismaService;
  let buyer: TestUser;
  let other: TestUser;
  let bundleId: string;
  let itemId: string;
  let licenseId: string;
  let deviceId: string;
  let infoHash: string;

  /** Both answers, after checking they are the same apart from the body (compared by the caller). */
  async function both(ex: Exchange): Promise<[Answer, Answer]> {
    const a = await send(fast, ex);
    const b = await send(viaExpress, ex);
    expect({ status: a.status, headers: a.headers }).toEqual({ status: b.status, headers: b.headers });
    return [a, b];
  }

  async function same(ex: Exchange): Promise<Answer> {
    const [a, b] = await both(ex);
    expect(a.body.toString('latin1')).toBe(b.body.toString('latin1'));
    return a;
  }

  const keys = (body: unknown, headers: Record<string, string> = buyer.auth, id = licenseId): Exchange => ({
    method: 'post',
    url: `/v1/licenses/${id}/keys`,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const json = (a: Answer) => JSON.parse(a.body.toString()) as { statusCode: number; message: unknown };

  beforeAll(async () => {
    emulator = await startEmulatorForApp();
    app = await startTestApp();
    fast = app.getHttpServer();
    viaExpress = createServer(app.getHttpAdapter().getInstance());
    prisma = app.get(PrismaService);
    const creator = await registerUser(app, ['CREATOR']);
    buyer = await registerUser(app);
    other = await registerUser(app);
    bundleId = await createPublishedBundle(app, creator.id, 'Fast path film');
    itemId = (await createReadyItem(app, bundleId)).id;
    infoHash = randomBytes(20).toString('hex');
    await prisma.bundle.update({ where: { id: bundleId }, data: { infoHashV1: infoHash } });
    const order = await prisma.order.create({
      data: { bundleId, buyerId: buyer.id, amount: 900, currency: 'eur', status: 'PAID', paidAt: new Date() },
    });
    licenseId = (await prisma.license.create({ data: { orderId: order.id, bundleId, buyerId: buyer.id } })).id;
    deviceId = (
      await request(fast)
        .post(`/v1/licenses/${licenseId}/devices`)
        .set(buyer.auth)
        .send({ publicKey: generateDeviceKeyPair().publicKey })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await app.close();
    await emulator.stop();
  });

  // First, while only this suite's setup has used the pool (one request at a time).
  it('boots with the key path warm: every hot-path connection open, each with the key statements prepared', async () => {
    const pool = app.get(HotPathPool);
    expect(pool.totalCount).toBe(6);
    const clients = await Promise.all(Array.from({ length: 6 }, () => pool.connect()));
    try {
      expect(pool.totalCount).toBe(6);
      for (const client of clients) {
        const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
        expect(rows.map((r) => r.name)).toEqual(
          expect.arrayContaining(['keys.tokens_licenses', 'keys.licenses', 'keys.audit', 'auth.token']),
        );
      }
    } finally {
      clients.forEach((c) => c.release());
    }
  });

  it('reads concurrent deliveries in one statement, each with its own answer', async () => {
    const store = app.get(KeyDeliveryStore);
    const query = jest.spyOn(app.get(HotPathPool), 'query');
    const statements = (name: string) =>
      query.mock.calls.filter(([q]) => (q as unknown as { name?: string }).name === name).length;
    const hashOf = (user: TestUser) => hashTokenSecret(user.token);
    try {
      const [own, stranger, noLicense, noDevice, unknownToken] = await Promise.all([
        store.tokenAndLicense(hashOf(buyer), licenseId, deviceId),
        store.tokenAndLicense(hashOf(other), licenseId, deviceId),
        store.tokenAndLicense(hashOf(buyer), randomUUID(), deviceId),
        store.tokenAndLicense(hashOf(buyer), licenseId, randomUUID()),
        store.tokenAndLicense(hashTokenSecret('ks_p_nobody'), licenseId, deviceId),
      ]);
      expect(statements('keys.tokens_licenses')).toBe(1);
      expect(own.token).toMatchObject({ userId: buyer.id, email: buyer.email });
      expect(own.rows).toMatchObject({ buyerId: buyer.id, status: 'ACTIVE', deviceId, deviceRemoved: false });
      expect(own.rows?.items.map((it) => it.id)).toEqual([itemId]);
      expect(stranger.token?.userId).toBe(other.id);
      expect(stranger.rows?.buyerId).toBe(buyer.id);
      expect(noLicense).toEqual({ token: expect.objectContaining({ userId: buyer.id }), rows: null });
      expect(noDevice.rows).toMatchObject({ buyerId: buyer.id, deviceId: null, publicKey: null });
      expect(unknownToken).toEqual({ token: null, rows: null });

      const [found, missing, otherDevice] = await Promise.all([
        store.license(licenseId, deviceId),
        store.license(randomUUID(), deviceId),
        store.license(licenseId, randomUUID()),
      ]);
      expect(statements('keys.licenses')).toBe(1);
      expect(found).toEqual(own.rows);
      expect(missing).toBeNull();
      expect(otherDevice).toEqual(noDevice.rows);
    } finally {
      query.mockRestore();
    }
  });

  it('delivers sealed keys with the same headers, audited with the forwarded client address', async () => {
    const ip = `10.9.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
    const before = await prisma.keyDelivery.count({ where: { licenseId } });
    for (const body of [{ deviceId }, { deviceId, items: [{ itemId }] }]) {
      const [a, b] = await both(keys(body, { ...buyer.auth, 'x-forwarded-for': ip }));
      expect(a.status).toBe(200);
      expect(Object.keys(JSON.parse(a.body.toString()))).toEqual(Object.keys(JSON.parse(b.body.toString())));
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(await prisma.keyDelivery.count({ where: { licenseId } })).toBe(before + 4);
    expect(await prisma.keyDelivery.count({ where: { licenseId, address: ip } })).toBe(4);
  });

  it('echoes a sane X-Request-Id and mints one otherwise', async () => {
    const a = await send(fast, keys({ deviceId }, { ...buyer.auth, 'x-request-id': 'client-id.1' }));
    const b = await request(fast).post(`/v1/licenses/${licenseId}/keys`).set(buyer.auth).send({ deviceId });
    expect(a.status).toBe(200);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await request(fast)
      .post(`/v1/licenses/${licenseId}/keys`)
      .set({ ...buyer.auth, 'x-request-id': 'client-id.1' })
      .send({ deviceId });
    expect(echoed.headers['x-request-id']).toBe('client-id.1');
  });

  it('refuses what the Express route refuses, with the same status and body', async () => {
    const refusals: [Exchange, number][] = [
      [keys({ deviceId }, {}), 401],
      [keys({ deviceId }, { authorization: 'Token abc' }), 401],
      [keys({ deviceId }, { authorization: `Bearer ${randomBytes(24).toString('hex')}` }), 401],
      [keys({ deviceId }, other.auth), 403],
      [keys({ deviceId }, buyer.auth, randomUUID()), 404],
      [keys({ deviceId }, buyer.auth, '-'.repeat(36)), 400],
      [keys({ deviceId: randomUUID() }), 404],
      [keys({ deviceId: 'not-a-uuid' }), 400],
      [keys({ deviceId, surprise: 1 }), 400],
      [keys({ deviceId, items: [{ itemId, first: 0 }] }), 400],
      [keys({ deviceId, items: [{ itemId: randomUUID() }] }), 400],
      [keys({}), 400],
      [keys('{"deviceId": oops'), 400],
      [keys('null'), 400],
      [keys('[1]'), 400],
      [keys(`{"__proto__":{"x":1},"deviceId":"${deviceId}"}`), 400],
      [keys(`{"deviceId":"a\\u0000b"}`), 400],
      [keys(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])), 400],
      [keys('{"deviceId": oops', {}), 400],
    ];
    for (const [ex, status] of refusals) {
      const answer = await same(ex);
      expect({ body: ex.body?.toString(), status: answer.status }).toEqual({ body: ex.body?.toString(), status });
      expect(json(answer).statusCode).toBe(status);
    }
  });

  it('reads a body with a byte-order mark, and leaves other encodings to Express', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ deviceId }))]);
    expect((await both(keys(bom)))[0].status).toBe(200);
    const [text] = await both({ ...keys({ deviceId }), headers: { ...buyer.auth, 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
    await same({
      ...keys({ deviceId }),
      headers: { ...buyer.auth, 'content-type': 'application/json; charset=latin1' },
    });
  });

  it('answers 425 with the release time and Retry-After before a premiere', async () => {
    const releaseAt = new Date(Date.now() + 3_600_000);
    await prisma.bundle.update({ where: { id: bundleId }, data: { releaseAt } });
    try {
      const [a, b] = await both(keys({ deviceId }));
      expect(a.status).toBe(425);
      expect(JSON.parse(a.body.toString())).toEqual(JSON.parse(b.body.toString()));
      expect(JSON.parse(a.body.toString())).toMatchObject({ releaseAt: releaseAt.toISOString() });
    } finally {
      await prisma.bundle.update({ where: { id: bundleId }, data: { releaseAt: null } });
    }
  });

  it('answers a first request (token not cached: token and license read in one statement) as the Express route does', async () => {
    const store = app.get(KeyDeliveryStore);
    const together = jest.spyOn(store, 'tokenAndLicense');
    const alone = jest.spyOn(store, 'license');
    /** A personal token of `user` that no request has used yet. */
    const fresh = async (user: TestUser) => {
      const created = await request(fast).post('/v1/me/tokens').set(user.auth).send({ name: 'fast' }).expect(201);
      return { id: created.body.id as string, auth: { authorization: `Bearer ${created.body.token as string}` } };
    };
    try {
      const before = await prisma.keyDelivery.count({ where: { licenseId } });
      const delivered = await both(keys({ deviceId }, (await fresh(buyer)).auth));
      expect(delivered.map((a) => a.status)).toEqual([200, 200]);
      expect(await prisma.keyDelivery.count({ where: { licenseId } })).toBe(before + 2);
      // The fast path's read was the joint one; the Express route (token cached by then) read the license alone.
      expect(together).toHaveBeenCalledTimes(1);
      expect(alone).toHaveBeenCalledTimes(1);
      const refusals: [() => Promise<Exchange>, number][] = [
        [async () => keys({ deviceId }, (await fresh(other)).auth), 403],
        [async () => keys({ deviceId }, (await fresh(buyer)).auth, randomUUID()), 404],
        [async () => keys({ deviceId: randomUUID() }, (await fresh(buyer)).auth), 404],
        [async () => keys({ deviceId }, (await fresh(buyer)).auth, '-'.repeat(36)), 400],
        [
          async () => {
            const revoked = await fresh(buyer);
            await request(fast).delete(`/v1/me/tokens/${revoked.id}`).set(buyer.auth).expect(204);
            return keys({ deviceId }, revoked.auth);
          },
          401,
        ],
      ];
      for (const [exchange, status] of refusals) expect((await same(await exchange())).status).toBe(status);
      expect(together).toHaveBeenCalledTimes(5); // not for the malformed id
    } finally {
      together.mockRestore();
      alone.mockRestore();
    }
  });

  it('answers 429 with Retry-After as the Express route does', async () => {
    const spy = jest
      .spyOn(app.get(KeyRateLimiter), 'consume')
      .mockRejectedValue(new KeyRateLimitedException('too many key requests for license x', 42));
    try {
      const answer = await same(keys({ deviceId }));
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('42');
    } finally {
      spy.mockRestore();
    }
  });

  it('answers 503 when PostgreSQL drops the connection, and 500 on anything unexpected', async () => {
    const store = app.get(KeyDeliveryStore);
    // Both reads: the license alone (token cached) or with the token (not cached, e.g. after 5 s).
    const spies = [jest.spyOn(store, 'license'), jest.spyOn(store, 'tokenAndLicense')];
    try {
      for (const spy of spies)
        spy.mockRejectedValue(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' }));
      expect((await same(keys({ deviceId }))).status).toBe(503);
      for (const spy of spies) spy.mockRejectedValue(new Error('boom'));
      const crashed = await same(keys({ deviceId }));
      expect(crashed.status).toBe(500);
      expect(json(crashed).message).toBe('internal error');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('answers announces and scrapes as the tracker route does', async () => {
    const bin = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
    const announce = (port: number) =>
      `/announce?info_hash=${bin(infoHash)}&peer_id=${bin(randomBytes(20).toString('hex'))}&port=${port}` +
      `&uploaded=0&downloaded=0&left=10&compact=1&event=started`;
    const from = { 'x-forwarded-for': `10.8.${randomBytes(1)[0]}.7` };
    const [a] = await both({ method: 'get', url: announce(6881), headers: from });
    expect(a.headers['content-type']).toBe('text/plain');
    expect(a.body.toString('latin1')).toMatch(/^d8:completei0e10:incompletei1e8:intervali600e5:peers/);
    await same({ method: 'get', url: `/scrape?info_hash=${bin(infoHash)}`, headers: from });
    await same({ method: 'get', url: '/announce?info_hash=abc&peer_id=x&port=1', headers: from });
    await same({
      method: 'get',
      url: announce(6882).replace(infoHash, randomBytes(20).toString('hex')),
      headers: from,
    });
    await same({ method: 'get', url: '/scrape', headers: from });
    await same({ method: 'head', url: announce(6883), headers: from });
    await same({ method: 'get', url: announce(6884), headers: { ...from, authorization: 'Bearer nonsense' } });
  });

  it('leaves every other request to Express', async () => {
    await same({ method: 'get', url: '/v1/licenses' });
    await same({ method: 'get', url: `/v1/licenses/${licenseId}/keys` });
    await same({ method: 'post', url: `/v1/licenses/${licenseId}/keys/`, headers: buyer.auth, body: '{}' });
    await same({ method: 'get', url: '/announce/extra' });
  });
});
