import { Global, Module } from '@nestjs/common';
import { loadConfig } from './load-config';

export const KEYSEED_CONFIG = Symbol('KEYSEED_CONFIG');

@Global()
@Module({
  providers: [{ provide: KEYSEED_CONFIG, useFactory: () => loadConfig() }],
  exports: [KEYSEED_CONFIG],
})
export class ConfigModule {}
