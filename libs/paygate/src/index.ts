export { PaygateModule } from './paygate.module';
export { STRIPE, STRIPE_SETTINGS, createStripeClient, stripeSettingsFromConfig } from './stripe-client';
export { DEV_STRIPE_SECRET_KEY, DEV_STRIPE_WEBHOOK_SECRET } from './dev-defaults';
export {
  STRIPE_CURRENCIES,
  STRIPE_MAXIMUM_AMOUNT,
  THREE_DECIMAL_CURRENCIES,
  ZERO_DECIMAL_CURRENCIES,
  formatMinorUnits,
  stripeCurrency,
} from './currencies';
export type { StripeCurrency } from './currencies';
export type { StripeSettings } from './stripe-client';
export { OrderTransitions, SESSION_EXPAND, lockBuyerBundle, refundConnectOptions } from './order-transitions.service';
export type { CommitResult, OrderEffect, Tx } from './order-transitions.service';
export { OpenCheckouts } from './open-checkouts.service';
export { ConnectAccounts, NotPayableError } from './connect-accounts.service';
export type { Payee } from './connect-accounts.service';
export type { CloseOutcome } from './open-checkouts.service';
export { ReconcileOrdersService } from './reconcile-orders.service';
export type { ReconcileReport } from './reconcile-orders.service';
export { licenseDecision, canMoveOrder } from './license-status';
export type { LicenseDecision, OrderFacts } from './license-status';
export { validatePrice, chargeAmount, percentToBps, platformFee, PriceError } from './price-rules';
export type { Price, PriceInput } from './price-rules';
export { idOf, expanded, orderIdFrom } from './stripe-refs';
export { DiscountUses } from './discount-uses.service';
export { discountedAmount, normalizeDiscountCode, validateDiscount, DiscountError } from './discount-rules';
export type { Discount, DiscountInput, ValidDiscount } from './discount-rules';
export {
  formatClaimCode,
  normalizeClaimCode,
  randomClaimCode,
  GIFT_TOKEN_LENGTH,
  REDEEM_CODE_LENGTH,
} from './claim-codes';
