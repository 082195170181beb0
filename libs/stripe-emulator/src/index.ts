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
export {
  STRIPE_CURRENCIES,
  STRIPE_MAXIMUM_AMOUNT,
  THREE_DECIMAL_CURRENCIES,
  ZERO_DECIMAL_CURRENCIES,
  formatMinorUnits,
  stripeCurrency,
} from './currencies';
export type { StripeCurrency } from './currencies';
export { DEV_STRIPE_WEBHOOK_SECRET, DEV_STRIPE_EMULATOR_PORT, DEV_STRIPE_WEBHOOK_URL } from './dev-defaults';
