import { Global, Logger, Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { Keyring, loadOrCreateDevKek } from '@keyseed/crypto';

/** Injection token of the process's `Keyring` (KEKs of docs/key-scheme.md: newest wraps, all unwrap). */
export const KEYRING = Symbol('KEYRING');

/**
 * The keyring from `KEYSEED_KEK`, or in development/test a dev KEK created once in
 * `<DATA_DIR>/dev-kek` (shared by api and worker on one machine). Production without
 * `KEYSEED_KEK` is refused (config validation already says so; this is the second lock).
 */
export function keyringFromConfig(config: KeyseedConfig, logger = new Logger('keyring')): Keyring {
  if (config.KEYSEED_KEK) return Keyring.parse(config.KEYSEED_KEK);
  const dev = loadOrCreateDevKek(config.DATA_DIR, config.NODE_ENV);
  const keyring = Keyring.parse(dev.kek, dev.path);
  logger.warn({
    event: 'keyring.dev_kek',
    path: dev.path,
    created: dev.created,
    kekId: keyring.current.id,
    note: 'KEYSEED_KEK is not set: using a development KEK; never do this in production',
  });
  return keyring;
}

/** Global: import once per app (api, worker); inject with `@Inject(KEYRING) keyring: Keyring`. */
@Global()
@Module({
  providers: [
    { provide: KEYRING, inject: [KEYSEED_CONFIG], useFactory: (config: KeyseedConfig) => keyringFromConfig(config) },
  ],
  exports: [KEYRING],
})
export class KeyringModule {}
