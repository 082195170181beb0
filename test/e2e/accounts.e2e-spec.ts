import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createAdminUser, registerUser, startTestApp } from '../helpers/test-app';

describe('accounts (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
  });
  afterAll(async () => app.close());

  it('registers, logs in and answers /v1/me with the bearer token', async () => {
    const reg = await request(http)
      .post('/v1/auth/register')
      .send({
        email: 'Ada@Example.test',
        password: 'a long enough password',
        displayName: 'Ada',
        roles: ['CREATOR', 'BUYER'],
      })
      .expect(201);
    expect(reg.body.user).toMatchObject({ email: 'ada@example.test', roles: ['CREATOR', 'BUYER'] });
    expect(reg.body.user.passwordHash).toBeUndefined();

    const login = await request(http)
      .post('/v1/auth/login')
      .send({ email: 'ada@example.test', password: 'a long enough password' })
      .expect(200);
    const me = await request(http).get('/v1/me').set('Authorization', `Bearer ${login.body.token}`).expect(200);
    expect(me.body.email).toBe('ada@example.test');

    await request(http)
      .post('/v1/auth/register')
      .send({ email: 'ada@example.test', password: 'another long password', displayName: 'Ada 2' })
      .expect(409);
  });

  it('rejects a wrong password without saying which part was wrong', async () => {
    const user = await registerUser(app);
    const res = await request(http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'not the password' })
      .expect(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'email or password is wrong' });
  });

  it('creates, lists and revokes personal tokens; a revoked token is refused', async () => {
    const user = await registerUser(app);
    const created = await request(http).post('/v1/me/tokens').set(user.auth).send({ name: 'laptop' }).expect(201);
    expect(created.body.token).toMatch(/^ks_p_/);
    const pat = { Authorization: `Bearer ${created.body.token}` };
    await request(http).get('/v1/me').set(pat).expect(200);

    const list = await request(http).get('/v1/me/tokens').set(user.auth).expect(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ name: 'laptop', prefix: created.body.token.slice(0, 10) });
    expect(list.body[0].token).toBeUndefined();
    // lastUsedAt is refreshed after the answer (group commit), within moments of the first use.
    const usedAt = async () =>
      (await request(http).get('/v1/me/tokens').set(user.auth).expect(200)).body[0].lastUsedAt as string | null;
    for (let i = 0; i < 50 && (await usedAt()) === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(Date.parse((await usedAt()) ?? '')).toBeGreaterThan(Date.now() - 60_000);

    await request(http).delete(`/v1/me/tokens/${created.body.id}`).set(user.auth).expect(204);
    const refused = await request(http).get('/v1/me').set(pat).expect(401);
    expect(refused.body.message).toMatch(/revoked/);
  });

  it('logout revokes the session token', async () => {
    const user = await registerUser(app);
    await request(http).post('/v1/auth/logout').set(user.auth).expect(204);
    await request(http).get('/v1/me').set(user.auth).expect(401);
  });

  it("cannot revoke another account's token", async () => {
    const a = await registerUser(app);
    const b = await registerUser(app);
    const token = await request(http).post('/v1/me/tokens').set(a.auth).send({ name: 'a' }).expect(201);
    await request(http).delete(`/v1/me/tokens/${token.body.id}`).set(b.auth).expect(404);
    await request(http)
      .get('/v1/me')
      .set({ Authorization: `Bearer ${token.body.token}` })
      .expect(200);
  });

  it('gives buyers and creators 403 on admin routes, admins 200', async () => {
    const buyer = await registerUser(app, ['BUYER']);
    const creator = await registerUser(app, ['CREATOR']);
    const admin = await createAdminUser(app);
    const res = await request(http).get('/v1/admin/users').set(buyer.auth).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    await request(http).get('/v1/admin/users').set(creator.auth).expect(403);
    await request(http).get('/v1/admin/users').expect(401);
    const ok = await request(http).get('/v1/admin/users').set(admin.auth).expect(200);
    expect(ok.body.length).toBeGreaterThan(0);
  });

  it('lets an admin disable an account, which stops its tokens, and audits it', async () => {
    const admin = await createAdminUser(app);
    const user = await registerUser(app);
    await request(http).patch(`/v1/admin/users/${user.id}`).set(admin.auth).send({ disabled: true }).expect(200);
    await request(http).get('/v1/me').set(user.auth).expect(401);
  });
});

describe('request validation and errors (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
  });
  afterAll(async () => app.close());

  it('answers malformed JSON with 400 JSON', async () => {
    const res = await request(http)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'request body is not valid JSON' });
  });

  it('names unknown fields', async () => {
    const res = await request(http)
      .post('/v1/auth/login')
      .send({ email: 'a@b.test', password: 'x', admin: true })
      .expect(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^admin: property admin should not exist/)]),
    );
  });

  it('names fields of the wrong type or shape', async () => {
    const res = await request(http)
      .post('/v1/auth/register')
      .send({ email: 'not-an-email', password: 12345, displayName: 'x', roles: ['ADMIN'] })
      .expect(400);
    const messages: string[] = res.body.message;
    expect(messages.some((m) => m.startsWith('email'))).toBe(true);
    expect(messages.some((m) => m.startsWith('password'))).toBe(true);
    expect(messages.some((m) => m.startsWith('roles'))).toBe(true);
  });

  it('refuses NUL characters in bodies and URLs with 400 (PostgreSQL text cannot hold them)', async () => {
    const body = await request(http)
      .post('/v1/auth/register')
      .set('Content-Type', 'application/json')
      .send('{"email":"nul@example.test","password":"long enough password","displayName":"a\\u0000b"}')
      .expect(400);
    expect(body.body.message).toMatch(/NUL characters/);
    const url = await request(http).get('/v1/catalog/a%00b').expect(400);
    expect(url.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'NUL characters are not allowed in URLs',
    });
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await request(http).get('/v1/no/such/route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await request(http).get('/nothing-here').expect(404).expect('Content-Type', /json/);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const big = JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(2 * 1024 * 1024) });
    const res = await request(http)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send(big)
      .expect(413);
    expect(res.body.statusCode).toBe(413);
  });

  it('rejects a malformed Authorization header with 401', async () => {
    await request(http).get('/v1/me').set('Authorization', 'Token abc').expect(401);
  });

  it('sets security headers and a request id', async () => {
    const res = await request(http).get('/health').set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('reports PostgreSQL and Redis up on /health', async () => {
    const res = await request(http).get('/health').expect(200);
    expect(res.body).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    expect(['ok', 'degraded']).toContain(res.body.status); // 'degraded' while no worker runs (health.e2e-spec)
  });

  it('serves the OpenAPI document with the documented routes', async () => {
    const res = await request(http).get('/docs/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/register', '/v1/auth/login', '/v1/me/tokens', '/health']),
    );
  });

  it('changes the password: the current one is checked, other login sessions end, personal tokens keep working', async () => {
    const user = await registerUser(app, ['BUYER']);
    const other = await request(http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'correct horse battery staple' })
      .expect(200);
    const pat = await request(http).post('/v1/me/tokens').set(user.auth).send({ name: 'cli' }).expect(201);
    const wrong = await request(http)
      .put('/v1/me/password')
      .set(user.auth)
      .send({ currentPassword: 'not my password', newPassword: 'a brand new password' })
      .expect(400);
    expect(wrong.body.message).toBe('currentPassword is wrong');
    const short = await request(http)
      .put('/v1/me/password')
      .set(user.auth)
      .send({ currentPassword: 'correct horse battery staple', newPassword: 'short' })
      .expect(400);
    expect(short.body.message).toEqual([expect.stringMatching(/^newPassword must be longer than or equal to 10/)]);
    await request(http)
      .put('/v1/me/password')
      .set(user.auth)
      .send({ currentPassword: 'correct horse battery staple', newPassword: 'a brand new password' })
      .expect(204);
    await request(http).get('/v1/me').set(user.auth).expect(200);
    await request(http).get('/v1/me').set('Authorization', `Bearer ${other.body.token}`).expect(401);
    await request(http).get('/v1/me').set('Authorization', `Bearer ${pat.body.token}`).expect(200);
    await request(http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'correct horse battery staple' })
      .expect(401);
    await request(http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: 'a brand new password' })
      .expect(200);
  });
});
