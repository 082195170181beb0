/** Fixed dev/test values for the offline default config. Never used against real Stripe. */
export const DEV_STRIPE_EMULATOR_PORT = 12111;
export const DEV_STRIPE_WEBHOOK_URL = 'http://127.0.0.1:3000/v1/stripe/webhook';
