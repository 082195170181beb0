/**
 * Offline defaults: with no STRIPE_SECRET_KEY the platform talks to the local emulator with these.
 * Any `sk_test_…` key works against the emulator; this one names itself in its logs. Never used
 * against real Stripe. The emulator imports them so both sides agree without configuration.
 */
export const DEV_STRIPE_SECRET_KEY = 'sk_test_keyseed_dev_emulator';
export const DEV_STRIPE_WEBHOOK_SECRET = 'whsec_keyseed_dev_emulator';
