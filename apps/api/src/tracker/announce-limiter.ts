import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';

/**
 * ANNOUNCES_PER_MINUTE per client address, counted in Redis (fixed one-minute windows) so that
 * every API replica shares the budget. If Redis is unreachable the tracker keeps answering
 * (fail open): losing the swarm is worse than a burst of announces.
 */
@Injectable()
export class AnnounceLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('tracker');
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(@Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig) {
    // Errors are reported through allow().
    this.redis = createRedisClient(config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
  }

  /** True when `address` may make one more tracker request this minute. */
  async allow(address: string): Promise<boolean> {
    const window = Math.floor(Date.now() / 60_000);
    const key = `${this.config.REDIS_PREFIX}:tracker:rate:${address}:${window}`;
    try {
      const count = await this.redis.incr(key);
      if (count === 1) await this.redis.expire(key, 120);
      return count <= this.config.ANNOUNCES_PER_MINUTE;
    } catch (err) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`tracker.rate_limit_unavailable: ${(err as Error).message}`);
      }
      return true;
    }
  }

  /** The shared Redis connection (also used for completed-download counters). */
  get client(): Redis {
    return this.redis;
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
