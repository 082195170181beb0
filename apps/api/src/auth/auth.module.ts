import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { BearerAuthenticator } from './bearer-authenticator';
import { TokenRevocations } from './token-revocations';
import { TokenStore } from './token-store';

@Module({
  providers: [TokenRevocations, TokenStore, BearerAuthenticator, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [BearerAuthenticator, TokenStore],
})
export class AuthModule {}
