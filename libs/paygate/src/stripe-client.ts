import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import type { KeyseedConfig } from '@keyseed/config';
import { DEV_STRIPE_SECRET_KEY, DEV_STRIPE_WEBHOOK_SECRET } from './dev-defaults';

/** Injection token of the configured `Stripe` SDK client. */
export const STRIPE = Symbol('STRIPE');
/** Injection token of `StripeSettings`. */
export const STRIPE_SETTINGS = Symbol('STRIPE_SETTINGS');

export interface StripeSettings {
  /** Secret the webhook signature is checked with (`whsec_…`). */
  webhookSecret: string;
  /** Where the SDK sends requests (`https://api.stripe.com` unless overridden). */
  apiBase: string;
  /** True when no STRIPE_SECRET_KEY is set and the bundled emulator stands in for Stripe. */
  usingEmulator: boolean;
}

/**
 * Offline default: with no STRIPE_SECRET_KEY the platform talks to the local emulator (started by
 * `npm start`, or in-process by tests) with its dev key and webhook secret. The SDK is always the
 * real one; only its host/port/protocol change.
 */
export function stripeSettingsFromConfig(config: KeyseedConfig): StripeSettings & { secretKey: string } {
  const usingEmulator = !config.STRIPE_SECRET_KEY;
  const apiBase =
    config.STRIPE_API_BASE ??
    (usingEmulator ? `http://127.0.0.1:${config.STRIPE_EMULATOR_PORT}` : 'https://api.stripe.com');
  return {
    secretKey: config.STRIPE_SECRET_KEY ?? DEV_STRIPE_SECRET_KEY,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET ?? DEV_STRIPE_WEBHOOK_SECRET,
    apiBase,
    usingEmulator,
  };
}

export function createStripeClient(
  settings: { secretKey: string; apiBase: string; usingEmulator: boolean },
  logger = new Logger('paygate'),
): Stripe {
  const base = new URL(settings.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  const port = Number(base.port || (protocol === 'http' ? 80 : 443));
  if (settings.usingEmulator) {
    logger.warn({
      event: 'stripe.emulator',
      apiBase: base.origin,
      note: 'STRIPE_SECRET_KEY is not set: payments go to the local Stripe emulator, no real money moves',
    });
  } else {
    logger.log({ event: 'stripe.configured', apiBase: base.origin });
  }
  return new Stripe(settings.secretKey, {
    host: base.hostname.replace(/^\[|\]$/g, ''),
    port,
    protocol,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'keyseed' },
  });
}
