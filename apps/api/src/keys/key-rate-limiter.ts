import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  OnModuleDestroy,
  ServiceUnavailableException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { BatchedReads } from '../common/batched-reads';
import { KEY_PATH_SPACING_MS } from './key-path-spacing';

export const KEYS_REDIS = Symbol('KEYS_REDIS');

const WINDOW_MS = 60_000;

// INCR and PEXPIRE every key, answer every count: one command and one reply for all the scopes.
const COUNT_LUA = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
return counts`;

/** 429 with the seconds until the window turns (the Retry-After header of both key routes). */
export class KeyRateLimitedException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

interface CountingRedis {
  keyseedRateCount(numKeys: number, ...keysThenWindowMs: (string | number)[]): Promise<number[]>;
}

/**
 * Fixed one-minute windows in Redis (INCR on `<REDIS_PREFIX>:ratelimit:keys:<scope>:<minute>`), so
 * the limit holds across API replicas. Every request counts, refused ones included. All scopes of
 * concurrent requests are counted by one Lua script (EVALSHA), batched like the key path's reads
 * (BatchedReads, KEY_PATH_SPACING_MS): one round trip and one reply for a burst's worth of
 * requests, whose callers go on CALLERS_PER_TURN per turn of the event loop (docs/architecture.md,
 * the release minute). A refusal says when the window turns (KeyRateLimitedException: `Retry-After`).
 */
@Injectable()
export class KeyRateLimiter implements OnModuleDestroy {
  private readonly prefix: string;
  private readonly counts = new BatchedReads<string[], number[]>((requests) => this.count(requests), {
    spacingMs: KEY_PATH_SPACING_MS,
  });

  constructor(
    @Inject(KEYS_REDIS) private readonly redis: Redis,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {
    this.prefix = `${config.REDIS_PREFIX}:ratelimit:keys`;
    redis.defineCommand('keyseedRateCount', { lua: COUNT_LUA });
  }

  /** Counts one request for every scope (`<kind>:<id>[:<more>]`, e.g. `address:<ip>`); 429 when one is over. */
  async consume(scopes: string[]): Promise<void> {
    const limit = this.config.KEY_REQUESTS_PER_MINUTE;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    let counts: number[];
    try {
      counts = await this.counts.get(scopes.map((s) => `${this.prefix}:${s}:${window}`));
    } catch (err) {
      throw new ServiceUnavailableException(
        `key delivery is unavailable: the rate limiter (Redis) failed: ${(err as Error).message}`,
      );
    }
    scopes.forEach((scope, i) => {
      if (Number(counts[i]) > limit) {
        const retry = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
        throw new KeyRateLimitedException(
          `too many key requests for ${scope.split(':').slice(0, 2).join(' ')}: at most ${limit} per minute (KEY_REQUESTS_PER_MINUTE); retry in ${retry} s`,
          retry,
        );
      }
    });
  }

  /**
   * Loads the script into Redis (SCRIPT LOAD), so no request meets NOSCRIPT and re-sends it, then
   * counts `rounds` requests at once on throw-away scopes (`warm-up:<random uuid>`, one each: no
   * real budget is touched, and the keys expire with their window), so the counting and the reply
   * handling are optimised before the first buyers ask.
   */
  async warmUp(rounds: number): Promise<void> {
    await this.redis.script('LOAD', COUNT_LUA);
    await Promise.all(Array.from({ length: rounds }, () => this.consume([`warm-up:${randomUUID()}`])));
  }

  /** Each request's keys counted in one script run; the counts split back per request. */
  private async count(requests: string[][]): Promise<number[][]> {
    const keys = requests.flat();
    const counts = await (this.redis as unknown as CountingRedis).keyseedRateCount(keys.length, ...keys, WINDOW_MS);
    let at = 0;
    return requests.map((own) => counts.slice(at, (at += own.length)));
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
