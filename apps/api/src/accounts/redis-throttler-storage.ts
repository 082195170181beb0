import { Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient, RedisAvailability, RedisUnavailableError } from '@keyseed/queues';

/**
 * One hit: count it in the window, start blocking when over the limit.
 * KEYS: hits, block. ARGV: ttl ms, limit, block ms. Returns {hits, hits pttl, blocked, block pttl}.
 */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if hits > tonumber(ARGV[2]) and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
return {hits, redis.call('PTTL', KEYS[1]), redis.call('EXISTS', KEYS[2]), redis.call('PTTL', KEYS[2])}
`;

/**
 * @nestjs/throttler's storage in Redis, so the register/login limit per address holds across every
 * API replica (the package's default storage counts per process).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly redis: Redis & { throttlerHit(...args: (string | number)[]): Promise<number[]> };

  constructor(
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly availability: RedisAvailability,
  ) {
    const redis = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    redis.defineCommand('throttlerHit', { numberOfKeys: 2, lua: HIT });
    this.redis = redis as typeof this.redis;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    // The limit is what stands between an attacker and password guessing: without Redis, refuse (503) at once.
    this.availability.assertUp('signing in');
    const base = `${this.config.REDIS_PREFIX}:throttle:${throttlerName}:${key}`;
    const [totalHits, hitsTtl, blocked, blockTtl] = await this.redis
      .throttlerHit(base, `${base}:blocked`, ttl, limit, blockDuration || ttl)
      .catch((err: Error) => {
        throw new RedisUnavailableError('signing in', err.message);
      });
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(hitsTtl / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockTtl / 1000)),
    };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

/** Provides the storage to ThrottlerModule.forRootAsync, with its lifecycle (the connection closes with the app). */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
export class RedisThrottlerStorageModule {}
