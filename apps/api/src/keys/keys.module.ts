import { Module } from '@nestjs/common';
import Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { redisConnection } from '@keyseed/queues';
import { KeyDeliveryService } from './key-delivery.service';
import { KEYS_REDIS, KeyRateLimiter } from './key-rate-limiter';
import { KeysController } from './keys.controller';

@Module({
  controllers: [KeysController],
  providers: [
    {
      provide: KEYS_REDIS,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => new Redis({ ...redisConnection(config.REDIS_URL), maxRetriesPerRequest: 2 }),
    },
    KeyRateLimiter,
    KeyDeliveryService,
  ],
})
export class KeysModule {}
