import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient, RedisAvailability } from '@keyseed/queues';
import { TokenCache } from './token-cache';

/** Every lookup of every account. */
const ALL = '*';

/**
 * This process's token lookups (TokenCache) kept in step with every other API replica: a drop
 * (logout, token revocation, an account disabled or changed) is applied here and published on a
 * Redis channel that every replica applies as it arrives, so a revoked token stops working on all
 * replicas within the time of one Redis publish instead of the cache's 5 s. If the subscription is
 * down, lookups are not cached at all until it is back (never a stale answer). During a Redis
 * outage a drop is applied here only: requests do not wait for a Redis that cannot answer.
 */
@Injectable()
export class TokenRevocations implements OnModuleInit, OnModuleDestroy {
  readonly cache = new TokenCache();
  private readonly logger = new Logger('auth');
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;

  constructor(
    @Inject(KEYSEED_CONFIG) config: KeyseedConfig,
    private readonly redis: RedisAvailability,
  ) {
    this.channel = `${config.REDIS_PREFIX}:auth:token-drops`;
    // Errors of the publisher are reported by publish().
    this.publisher = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.subscriber = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.subscriber.on('error', () => this.unsubscribed());
    this.subscriber.on('close', () => this.unsubscribed());
    this.subscriber.on('ready', () => void this.subscribe());
    this.subscriber.on('message', (_channel: string, message: string) => {
      const [from, who] = message.split(' ');
      if (from !== this.origin) this.apply(who);
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.subscriber.status === 'ready') await this.subscribe();
  }

  /** Whether lookups may be cached: only while drops from other replicas are being received. */
  get live(): boolean {
    return this.subscribed;
  }

  /** Forgets one account's lookups (or everyone's, `null`) here and on every replica. */
  async drop(userId: string | null): Promise<void> {
    this.apply(userId ?? ALL);
    if (!this.redis.isUp) return;
    try {
      await this.publisher.publish(this.channel, `${this.origin} ${userId ?? ALL}`);
    } catch (err) {
      this.logger.warn({ event: 'auth.token_drop_not_published', message: (err as Error).message });
    }
  }

  onModuleDestroy(): void {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private apply(who: string): void {
    if (who === ALL) this.cache.clear();
    else this.cache.dropUser(who);
  }

  private async subscribe(): Promise<void> {
    if (this.subscribed) return;
    await this.subscriber.subscribe(this.channel);
    // Drops published while not subscribed are lost: start from an empty cache.
    this.cache.clear();
    this.subscribed = true;
  }

  private unsubscribed(): void {
    this.subscribed = false;
    this.cache.clear();
  }
}
