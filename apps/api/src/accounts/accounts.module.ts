import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { AccountsService } from './accounts.service';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';

@Module({
  imports: [
    // Register/login attempts per client address per minute (password guessing).
    ThrottlerModule.forRootAsync({
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => [{ name: 'default', ttl: 60_000, limit: config.AUTH_REQUESTS_PER_MINUTE }],
    }),
  ],
  controllers: [AuthController, MeController],
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
