import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, defaultMigrationsDir } from '../../libs/database/src/migrate';

/**
 * One PostgreSQL database, one Redis key prefix and one data directory per test run, so parallel
 * or repeated runs never collide. Jest workers inherit these variables.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const base = new URL(
    process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed',
  );
  base.pathname = `/keyseed_test_${run}`;
  process.env.NODE_ENV = 'test';
  process.env.DATABASE_URL = base.toString();
  process.env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.REDIS_PREFIX = `keyseed_test_${run}`;
  process.env.DATA_DIR = mkdtempSync(join(tmpdir(), `keyseed-test-${run}-`));
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
  process.env.AUTH_REQUESTS_PER_MINUTE = '100000';
  // Each test app fills its ephemeral key pool while idle: a few pairs exercise it without the CPU of a full pool.
  process.env.EPHEMERAL_KEY_POOL = '64';
  await applyMigrations(process.env.DATABASE_URL, defaultMigrationsDir());
}
