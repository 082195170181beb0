import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createPublishedBundle } from '../helpers/paygate-fixtures';
import { createAdminUser, registerUser, startTestApp, TestUser } from '../helpers/test-app';

describe('audit log (e2e): admins read who did what', () => {
  let app: NestExpressApplication;
  let http: App;
  let admin: TestUser;
  let creator: TestUser;
  let buyer: TestUser;
  let bundleId: string;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    admin = await createAdminUser(app);
    creator = await registerUser(app, ['CREATOR']);
    buyer = await registerUser(app, ['BUYER']);
    bundleId = await createPublishedBundle(app, creator.id);
    await request(http)
      .put(`/v1/admin/bundles/${bundleId}/price`)
      .set(admin.auth)
      .send({ amount: 1500, currency: 'usd' })
      .expect(200);
    await request(http)
      .put(`/v1/admin/bundles/${bundleId}/price`)
      .set(admin.auth)
      .send({ amount: 900, currency: 'eur' })
      .expect(200);
    await request(http)
      .patch(`/v1/admin/users/${buyer.id}`)
      .set(admin.auth)
      .send({ roles: ['BUYER', 'CREATOR'] })
      .expect(200);
  });
  afterAll(() => app.close());

  it('lists the admin actions on a record, newest first, with the actor and what changed', async () => {
    const res = await request(http)
      .get('/v1/admin/audit')
      .query({ targetType: 'bundle', targetId: bundleId })
      .set(admin.auth)
      .expect(200);
    expect(res.body).toEqual([
      expect.objectContaining({
        action: 'bundle.price.set',
        targetType: 'bundle',
        targetId: bundleId,
        actorId: admin.id,
        actorEmail: admin.email,
        details: {
          before: expect.objectContaining({ amount: 1500, currency: 'usd' }),
          after: expect.objectContaining({ amount: 900, currency: 'eur' }),
        },
      }),
      expect.objectContaining({
        action: 'bundle.price.set',
        details: expect.objectContaining({ after: expect.objectContaining({ amount: 1500 }) }),
      }),
    ]);
    expect(Date.parse(res.body[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(res.body[1].createdAt));
  });

  it('filters by action and actor, and pages', async () => {
    // The run's database is shared with other suites: filter to this suite's records.
    const byAction = await request(http)
      .get('/v1/admin/audit')
      .query({ action: 'user.update', targetId: buyer.id })
      .set(admin.auth)
      .expect(200);
    expect(byAction.body).toEqual([
      expect.objectContaining({
        targetType: 'user',
        targetId: buyer.id,
        details: expect.objectContaining({ after: expect.objectContaining({ roles: ['BUYER', 'CREATOR'] }) }),
      }),
    ]);
    const byActor = await request(http)
      .get('/v1/admin/audit')
      .query({ actorId: admin.id, perPage: 2 })
      .set(admin.auth)
      .expect(200);
    expect(byActor.body.map((e: { action: string }) => e.action)).toEqual(['user.update', 'bundle.price.set']);
    const page2 = await request(http)
      .get('/v1/admin/audit')
      .query({ actorId: admin.id, perPage: 2, page: 2 })
      .set(admin.auth)
      .expect(200);
    expect(page2.body.map((e: { action: string }) => e.action)).toEqual(['bundle.price.set']);
    expect(page2.body[0].id).not.toEqual(byActor.body[1].id);
  });

  it('is for admins only, and refuses malformed filters with the reason', async () => {
    await request(http).get('/v1/admin/audit').expect(401);
    await request(http).get('/v1/admin/audit').set(creator.auth).expect(403);
    const bad = await request(http)
      .get('/v1/admin/audit')
      .query({ actorId: 'nope', targetType: 'Bundle; DROP' })
      .set(admin.auth)
      .expect(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/actorId must be a UUID/),
        expect.stringMatching(/targetType must be lower-case/),
      ]),
    );
  });
});
