import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { ensureAdmin } from '@keyseed/auth';
import { PrismaService } from '@keyseed/database';
import { createApp } from '../../apps/api/src/app.factory';

/** Boots the real API (same factory as production) against this run's database and Redis prefix. */
export async function startTestApp(): Promise<NestExpressApplication> {
  return createApp();
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { Authorization: string };
}

export type Role = 'CREATOR' | 'BUYER';

/** Registers a fresh account over HTTP (novu's UserSession idea): `asUser(app, ['CREATOR'])`. */
export async function registerUser(
  app: NestExpressApplication,
  roles: Role[] = ['BUYER'],
  name = 'Test User',
): Promise<TestUser> {
  const email = `${roles.join('-').toLowerCase()}-${randomUUID()}@example.test`;
  const res = await request(app.getHttpServer() as App)
    .post('/v1/auth/register')
    .send({ email, password: 'correct horse battery staple', displayName: name, roles })
    .expect(201);
  return { id: res.body.user.id, email, token: res.body.token, auth: { Authorization: `Bearer ${res.body.token}` } };
}

/** An admin account (created the way `keyseed admin create` does) with a session token. */
export async function createAdminUser(app: NestExpressApplication): Promise<TestUser> {
  const email = `admin-${randomUUID()}@example.test`;
  const password = 'admin password long enough';
  await ensureAdmin(app.get(PrismaService), email, password);
  const res = await request(app.getHttpServer() as App)
    .post('/v1/auth/login')
    .send({ email, password })
    .expect(200);
  return { id: res.body.user.id, email, token: res.body.token, auth: { Authorization: `Bearer ${res.body.token}` } };
}
