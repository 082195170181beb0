import { Inject, Module, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { HealthController } from './health.controller';
import { HEALTH_REDIS } from './health.tokens';

@Module({
  controllers: [HealthController],
  providers: [
    {
      provide: HEALTH_REDIS,
      inject: [KEYSEED_CONFIG],
      // Fails fast instead of queueing commands while Redis is away, so /health answers promptly.
      useFactory: (config: KeyseedConfig) =>
        createRedisClient(config.REDIS_URL, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: false,
        }),
    },
  ],
})
export class HealthModule implements OnModuleDestroy {
  constructor(@Inject(HEALTH_REDIS) private readonly redis: Redis) {}
  onModuleDestroy() {
    this.redis.disconnect();
  }
}
