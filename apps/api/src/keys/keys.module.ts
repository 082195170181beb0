import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { KeyDeliveryService } from './key-delivery.service';
import { KeyDeliveryStore, KEYS_PG } from './key-delivery.store';
import { KEYS_REDIS, KeyRateLimiter } from './key-rate-limiter';
import { KeysController } from './keys.controller';

@Module({
  controllers: [KeysController],
  providers: [
    {
      provide: KEYS_REDIS,
      inject: [KEYSEED_CONFIG],
      // Auto-pipelining: concurrent deliveries' rate-limit scripts share one write and one read.
      useFactory: (config: KeyseedConfig) =>
        createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true }),
    },
    {
      provide: KEYS_PG,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => {
        const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
        pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
        return pool;
      },
    },
    KeyRateLimiter,
    KeyDeliveryStore,
    KeyDeliveryService,
  ],
})
export class KeysModule {}
