import type Redis from 'ioredis';

/**
 * Running platform seeds, as a Redis sorted set `<prefix>:seeder:alive` of instance → expiry (ms):
 * each seed renews its entry while it seeds every served bundle; the webseed counts the live ones
 * to tell the platform's own seeds from other seeders in a swarm.
 */
function key(redisPrefix: string): string {
  return `${redisPrefix}:seeder:alive`;
}

export async function renewPlatformSeed(redis: Redis, redisPrefix: string, instance: string, ttlMs: number) {
  const now = Date.now();
  await redis
    .multi()
    .zadd(key(redisPrefix), now + ttlMs, instance)
    .zremrangebyscore(key(redisPrefix), '-inf', now)
    .exec();
}

export async function retirePlatformSeed(redis: Redis, redisPrefix: string, instance: string): Promise<void> {
  await redis.zrem(key(redisPrefix), instance);
}

export function countPlatformSeeds(redis: Redis, redisPrefix: string): Promise<number> {
  return redis.zcount(key(redisPrefix), Date.now(), '+inf');
}
