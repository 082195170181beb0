import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

/**
 * The subset of each Stripe object the emulator keeps, checked field by field against the real
 * SDK's types so names and value types cannot drift from Stripe's API reference.
 */
export type EmulatedCheckoutSession = Pick<
  Stripe.Checkout.Session,
  | 'id'
  | 'object'
  | 'amount_subtotal'
  | 'amount_total'
  | 'cancel_url'
  | 'client_reference_id'
  | 'created'
  | 'currency'
  | 'customer'
  | 'customer_email'
  | 'expires_at'
  | 'livemode'
  | 'locale'
  | 'metadata'
  | 'mode'
  | 'payment_method_types'
  | 'payment_status'
  | 'status'
  | 'success_url'
  | 'url'
  | 'ui_mode'
> & {
  payment_intent: string | EmulatedPaymentIntent | null;
  customer_details: { email: string | null; name: string | null } | null;
};

export type EmulatedPaymentIntent = Pick<
  Stripe.PaymentIntent,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_capturable'
  | 'amount_received'
  | 'canceled_at'
  | 'capture_method'
  | 'confirmation_method'
  | 'created'
  | 'currency'
  | 'description'
  | 'livemode'
  | 'metadata'
  | 'payment_method_types'
  | 'receipt_email'
  | 'status'
  | 'application_fee_amount'
> & {
  transfer_data: { destination: string } | null;
  latest_charge: string | EmulatedCharge | null;
  last_payment_error: { code: string; message: string; type: 'card_error' | 'invalid_request_error' } | null;
};

export type EmulatedCharge = Pick<
  Stripe.Charge,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_captured'
  | 'amount_refunded'
  | 'captured'
  | 'created'
  | 'currency'
  | 'description'
  | 'disputed'
  | 'failure_code'
  | 'failure_message'
  | 'livemode'
  | 'metadata'
  | 'paid'
  | 'receipt_email'
  | 'refunded'
  | 'status'
  | 'application_fee_amount'
> & {
  payment_intent: string | EmulatedPaymentIntent | null;
  /** Destination charges: the connected account, the platform's fee and the transfer to the account. */
  transfer_data: { amount: number | null; destination: string } | null;
  application_fee: string | EmulatedApplicationFee | null;
  transfer?: string | EmulatedTransfer;
};

export type EmulatedRefund = Pick<
  Stripe.Refund,
  'id' | 'object' | 'amount' | 'created' | 'currency' | 'metadata' | 'reason' | 'status'
> & {
  charge: string | EmulatedCharge | null;
  payment_intent: string | EmulatedPaymentIntent | null;
  transfer_reversal: string | null;
};

/** An Express connected account (Stripe Connect). */
export type EmulatedAccount = Pick<
  Stripe.Account,
  'id' | 'object' | 'charges_enabled' | 'payouts_enabled' | 'details_submitted' | 'email' | 'type'
> & {
  country: string;
  created: number;
  metadata: Record<string, string>;
  requirements: {
    currently_due: string[];
    eventually_due: string[];
    past_due: string[];
    pending_verification: string[];
    disabled_reason: string | null;
    current_deadline: number | null;
  };
};

export type EmulatedAccountLink = Pick<Stripe.AccountLink, 'object' | 'created' | 'expires_at' | 'url'>;
export type EmulatedLoginLink = Pick<Stripe.LoginLink, 'object' | 'created' | 'url'>;

export type EmulatedApplicationFee = Pick<
  Stripe.ApplicationFee,
  'id' | 'object' | 'amount' | 'amount_refunded' | 'created' | 'currency' | 'livemode' | 'refunded'
> & { account: string; charge: string };

export type EmulatedTransfer = Pick<
  Stripe.Transfer,
  'id' | 'object' | 'amount' | 'amount_reversed' | 'created' | 'currency' | 'livemode' | 'metadata' | 'reversed'
> & { destination: string; source_transaction: string | null };

export type EmulatedTransferReversal = Pick<
  Stripe.TransferReversal,
  'id' | 'object' | 'amount' | 'created' | 'currency'
> & { transfer: string; source_refund: string | null; metadata: Record<string, string> };

export type EmulatedDispute = Pick<
  Stripe.Dispute,
  | 'id'
  | 'object'
  | 'amount'
  | 'created'
  | 'currency'
  | 'is_charge_refundable'
  | 'livemode'
  | 'metadata'
  | 'reason'
  | 'status'
> & { charge: string; payment_intent: string | null };

export type EmulatedObject =
  | EmulatedCheckoutSession
  | EmulatedPaymentIntent
  | EmulatedCharge
  | EmulatedRefund
  | EmulatedDispute
  | EmulatedAccount
  | EmulatedApplicationFee
  | EmulatedTransfer
  | EmulatedTransferReversal;

export type EmulatedEvent = Pick<
  Stripe.Event,
  'id' | 'object' | 'api_version' | 'created' | 'livemode' | 'pending_webhooks'
> & {
  type: string;
  /** Connect: the connected account the event is about. */
  account?: string;
  data: { object: EmulatedObject };
  request: { id: string | null; idempotency_key: string | null };
};

/** The id of an expandable reference (`string | object`): the emulator stores ids, never expanded objects. */
export function refId(ref: string | { id: string } | null | undefined): string {
  if (ref === null || ref === undefined) return '';
  return typeof ref === 'string' ? ref : ref.id;
}

/** Stripe-looking ids: `cs_test_a1B2…`, `pi_3Q…`, `evt_1Q…`. */
export function stripeId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Deep copy through JSON, so stored objects never alias what callers (or events) hold. */
export const snapshot = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
