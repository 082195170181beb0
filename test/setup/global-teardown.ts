import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { dropDatabase } from '../../libs/database/src/migrate';

export default async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_TEST_STATE) return;
  await dropDatabase(process.env.DATABASE_URL!);
  const redis = new Redis(process.env.REDIS_URL!);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.REDIS_PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  rmSync(process.env.DATA_DIR!, { recursive: true, force: true });
}
