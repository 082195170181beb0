export { PaygateModule } from './paygate.module';
export {
  STRIPE,
  STRIPE_SETTINGS,
  DEV_STRIPE_SECRET_KEY,
  createStripeClient,
  stripeSettingsFromConfig,
} from './stripe-client';
export type { StripeSettings } from './stripe-client';
export { OrderTransitions, SESSION_EXPAND } from './order-transitions.service';
export type { CommitResult, OrderEffect, Tx } from './order-transitions.service';
export { ReconcileOrdersService } from './reconcile-orders.service';
export type { ReconcileReport } from './reconcile-orders.service';
export { licenseDecision, canMoveOrder } from './license-status';
export type { LicenseDecision, OrderFacts } from './license-status';
export { validatePrice, chargeAmount, PriceError } from './price-rules';
export type { Price, PriceInput } from './price-rules';
export { idOf, expanded, orderIdFrom } from './stripe-refs';
