import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { QueueName } from './queues';
import { createRedisClient } from './redis-connection';

/** A request needed Redis while it was unreachable: 503 with the reason (the client retries later). */
export class RedisUnavailableError extends ServiceUnavailableException {
  constructor(what: string, reason: string) {
    super(`${what} needs Redis, which is unreachable right now (${reason}); retry in a moment`);
  }
}

/**
 * Watches Redis with a connection of its own and logs an outage once when it starts
 * (`redis.down`, with the reason) and once when it ends (`redis.up`, with its length). Requests
 * that need Redis call `assertUp` and fail fast with a 503 during an outage instead of waiting in
 * a client's offline queue. BullMQ queues' own connection errors are silenced here for the same reason.
 */
@Injectable()
export class RedisAvailability implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('redis');
  private client: Redis | null = null;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  private downSince = 0;
  private reason = '';

  constructor(
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }).on('error', () => undefined);
    }
    this.client = createRedisClient(this.config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (err: Error) => this.markDown(err.message || String(err)));
    this.client.on('close', () => this.markDown('connection closed'));
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
  }

  /** False only during an observed outage (not while the first connection is still being made). */
  get isUp(): boolean {
    return this.state !== 'down';
  }

  /** Throws a 503 naming `what` and the outage's cause while Redis is down. */
  assertUp(what: string): void {
    if (this.state === 'down') throw new RedisUnavailableError(what, this.reason);
  }

  private markDown(reason: string): void {
    if (this.state === 'down' || this.client?.status === 'ready') return;
    this.state = 'down';
    this.downSince = Date.now();
    this.reason = reason;
    this.logger.warn({ event: 'redis.down', reason });
  }

  private markUp(): void {
    if (this.state === 'down') this.logger.log({ event: 'redis.up', downMs: Date.now() - this.downSince });
    this.state = 'up';
  }
}
