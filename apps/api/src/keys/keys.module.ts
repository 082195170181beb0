import { Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { AuthModule } from '../auth/auth.module';
import { KeyDeliveryFastRoute } from './key-delivery.fast-route';
import { KeyDeliveryService } from './key-delivery.service';
import { KeyPathWarmup } from './key-path-warmup';
import { KeyRouteWarmup } from './key-route-warmup';
import { KeyDeliveryStore } from './key-delivery.store';
import { KEYS_REDIS, KeyRateLimiter } from './key-rate-limiter';
import { KeysController } from './keys.controller';
import { Sealer } from './sealer';

@Module({
  imports: [AuthModule],
  controllers: [KeysController],
  providers: [
    {
      provide: KEYS_REDIS,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 2 }),
    },
    Sealer,
    KeyRateLimiter,
    KeyDeliveryStore,
    KeyDeliveryService,
    KeyDeliveryFastRoute,
    KeyPathWarmup,
    KeyRouteWarmup,
  ],
})
export class KeysModule {}
