/**
 * @keyseed/stripe-emulator — a local Stripe for offline dev and tests.
 *
 *   const emulator = new StripeEmulator({ port: 0, webhookSecret: 'whsec_…' });
 *   const base = new URL(await emulator.start());           // http://127.0.0.1:<port>
 *   const stripe = new Stripe('sk_test_anything', { host: base.hostname, port: Number(base.port), protocol: 'http' });
 *   emulator.setWebhookUrl('http://127.0.0.1:3000/v1/stripe/webhook');
 *   emulator.completeCheckoutSession(session.id, 'succeeded'); // or POST /_emulator/checkout/sessions/:id/complete
 *   await emulator.webhooks.idle();
 *
 * Stripe API: POST/GET /v1/checkout/sessions, GET /v1/checkout/sessions/:id, POST …/:id/expire,
 * GET /v1/payment_intents/:id, /v1/charges/:id, POST /v1/refunds, GET /v1/refunds/:id,
 * /v1/disputes/:id, /v1/events, /v1/events/:id. Control API (no key): /_emulator/… (see control-routes.ts).
 */
export { StripeEmulator, DEFAULT_STRIPE_API_VERSION } from './stripe-emulator';
export type { StripeEmulatorOptions } from './stripe-emulator';
export { CHECKOUT_OUTCOMES } from './payment-flows';
export type { CheckoutOutcome, CompletionResult, RefundRequest } from './payment-flows';
export type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDispatcher,
  WebhookMode,
  WebhookRetryOptions,
  WebhookSigningOverride,
} from './webhook-dispatcher';
export type {
  EmulatedCharge,
  EmulatedCheckoutSession,
  EmulatedDispute,
  EmulatedEvent,
  EmulatedPaymentIntent,
  EmulatedRefund,
} from './stripe-objects';
export { stripeSignatureHeader } from './webhook-signature';
export { DEV_STRIPE_EMULATOR_PORT, DEV_STRIPE_WEBHOOK_URL } from './dev-defaults';
