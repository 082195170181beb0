import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { AccountsService } from './accounts.service';
import { RedisThrottlerStorage, RedisThrottlerStorageModule } from './redis-throttler-storage';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';

@Module({
  imports: [
    // Register/login attempts per client address per minute (password guessing), counted in Redis
    // so that every API replica shares the budget.
    ThrottlerModule.forRootAsync({
      imports: [RedisThrottlerStorageModule],
      inject: [KEYSEED_CONFIG, RedisThrottlerStorage],
      useFactory: (config: KeyseedConfig, storage: RedisThrottlerStorage) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.AUTH_REQUESTS_PER_MINUTE }],
        storage,
      }),
    }),
  ],
  controllers: [AuthController, MeController],
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
