import { DEV_STRIPE_WEBHOOK_SECRET } from '@keyseed/paygate/dev-defaults';
import { DEV_STRIPE_EMULATOR_PORT, DEV_STRIPE_WEBHOOK_URL } from './dev-defaults';
import { StripeEmulator } from './stripe-emulator';

/**
 * Standalone emulator for dev and demos: `node dist/libs/stripe-emulator/src/main.js`.
 * Env: STRIPE_EMULATOR_PORT (12111), STRIPE_EMULATOR_HOST (127.0.0.1), STRIPE_WEBHOOK_SECRET,
 * STRIPE_WEBHOOK_URL (empty string: no delivery). Logs one JSON object per line.
 */
async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.STRIPE_EMULATOR_PORT ?? DEV_STRIPE_EMULATOR_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `STRIPE_EMULATOR_PORT must be an integer between 0 and 65535, got ${JSON.stringify(env.STRIPE_EMULATOR_PORT)}`,
    );
  }
  const log = (entry: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const emulator = new StripeEmulator({
    port,
    host: env.STRIPE_EMULATOR_HOST ?? '127.0.0.1',
    publicUrl: env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
    webhookUrl: env.STRIPE_WEBHOOK_URL === undefined ? DEV_STRIPE_WEBHOOK_URL : env.STRIPE_WEBHOOK_URL || undefined,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET || DEV_STRIPE_WEBHOOK_SECRET,
    logger: log,
  });
  await emulator.start();
  const shutdown = (signal: string) => {
    log({ event: 'stripe_emulator.stopping', signal });
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`${JSON.stringify({ event: 'stripe_emulator.failed', error: err.message })}\n`);
  process.exit(1);
});
