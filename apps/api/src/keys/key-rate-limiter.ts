import { HttpException, HttpStatus, Inject, Injectable, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';

export const KEYS_REDIS = Symbol('KEYS_REDIS');

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows in Redis (INCR on `<REDIS_PREFIX>:ratelimit:keys:<scope>:<minute>`), so
 * the limit holds across API replicas. Every request counts, refused ones included.
 */
@Injectable()
export class KeyRateLimiter implements OnModuleDestroy {
  private readonly prefix: string;

  constructor(@Inject(KEYS_REDIS) private readonly redis: Redis, @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig) {
    this.prefix = `${config.REDIS_PREFIX}:ratelimit:keys`;
  }

  /** Counts one request for every scope (e.g. `license:<id>`, `address:<ip>`); 429 when one is over. */
  async consume(scopes: string[]): Promise<void> {
    const limit = this.config.KEY_REQUESTS_PER_MINUTE;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const multi = this.redis.multi();
    for (const scope of scopes) multi.incr(`${this.prefix}:${scope}:${window}`).pexpire(`${this.prefix}:${scope}:${window}`, WINDOW_MS);
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (err) {
      throw new ServiceUnavailableException(`key delivery is unavailable: the rate limiter (Redis) failed: ${(err as Error).message}`);
    }
    scopes.forEach((scope, i) => {
      const count = Number(results?.[i * 2]?.[1] ?? 0);
      if (count > limit) {
        const retry = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
        throw new HttpException(`too many key requests for ${scope.replace(':', ' ')}: at most ${limit} per minute (KEY_REQUESTS_PER_MINUTE); retry in ${retry} s`, HttpStatus.TOO_MANY_REQUESTS);
      }
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
