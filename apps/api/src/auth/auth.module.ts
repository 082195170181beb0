import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { TokenRevocations } from './token-revocations';
import { TokenStore } from './token-store';

@Module({ providers: [TokenRevocations, TokenStore, { provide: APP_GUARD, useClass: AuthGuard }] })
export class AuthModule {}
