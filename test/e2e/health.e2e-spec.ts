import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { startTestApp } from '../helpers/test-app';

describe('health when Redis is unreachable (e2e)', () => {
  let app: NestExpressApplication;
  const realRedis = process.env.REDIS_URL;

  beforeAll(async () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:1'; // nothing listens on port 1
    app = await startTestApp();
  });
  afterAll(async () => {
    process.env.REDIS_URL = realRedis;
    await app.close();
  });

  it('answers 503 naming Redis, with PostgreSQL still up', async () => {
    const res = await request(app.getHttpServer() as App)
      .get('/health')
      .expect(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.postgres).toEqual({ status: 'up' });
    expect(res.body.redis.status).toBe('down');
    expect(typeof res.body.redis.error).toBe('string');
  });
});
