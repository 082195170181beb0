import {
  formatMinorUnits,
  STRIPE_CURRENCIES,
  STRIPE_MAXIMUM_AMOUNT,
  stripeCurrency,
} from '@keyseed/paygate/currencies';
import { Params } from './form-params';
import { invalidParam, StripeApiError } from './stripe-error';

/** What `POST /v1/checkout/sessions` may carry. Listed-but-ignored params are accepted as Stripe would. */
const ALLOWED = [
  'mode',
  'line_items',
  'client_reference_id',
  'metadata',
  'success_url',
  'cancel_url',
  'customer_email',
  'payment_intent_data',
  'expires_at',
  'expand',
  'locale',
  'submit_type',
  'payment_method_types',
  'billing_address_collection',
  'allow_promotion_codes',
  'customer_creation',
  'ui_mode',
  'return_url',
  'custom_text',
  'consent_collection',
  'phone_number_collection',
  'automatic_tax',
  'invoice_creation',
] as const;

const MIN_LIFETIME_S = 30 * 60;
const MAX_LIFETIME_S = 24 * 60 * 60;

export interface CheckoutLineItem {
  name: string;
  description: string | null;
  currency: string;
  unitAmount: number;
  quantity: number;
}

export interface CheckoutSessionRequest {
  lineItems: CheckoutLineItem[];
  currency: string;
  amountTotal: number;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  customerEmail: string | null;
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
  /** Destination charge (Connect): the connected account paid, and the platform's fee. */
  transferDestination: string | null;
  applicationFeeAmount: number | null;
  /** The creation time the lifetime was checked against (seconds): the session's `created`. */
  createdAt: number;
  expiresAt: number;
  locale: string | null;
  paymentMethodTypes: string[];
}

/** Validates a create request the way Stripe does for `mode=payment` with inline `price_data`. */
export function readCheckoutSessionRequest(p: Params, now: number): CheckoutSessionRequest {
  p.rejectUnknown(ALLOWED);
  const mode = p.string('mode', { required: true });
  if (mode !== 'payment') {
    throw invalidParam(
      'mode',
      `The emulator supports only mode=payment (Keyseed sells one-off purchases), got ${JSON.stringify(mode)}`,
    );
  }
  p.string('ui_mode', { oneOf: ['hosted'] });
  const items = p.array('line_items', { required: true }) ?? [];
  if (items.length === 0)
    throw invalidParam('line_items', 'line_items must contain at least one item in payment mode.');
  const lineItems = items.map(readLineItem);
  const currency = lineItems[0].currency;
  const mixed = lineItems.findIndex((li) => li.currency !== currency);
  if (mixed >= 0) {
    throw invalidParam(
      `line_items[${mixed}][price_data][currency]`,
      `All line items must use the same currency; line_items[0] is ${currency}, line_items[${mixed}] is ${lineItems[mixed].currency}.`,
    );
  }
  const amountTotal = lineItems.reduce((sum, li) => sum + li.unitAmount * li.quantity, 0);
  const { minimumAmount } = STRIPE_CURRENCIES[currency];
  if (amountTotal < minimumAmount) {
    throw new StripeApiError(
      400,
      `The Checkout Session's total amount due must add up to at least ${formatMinorUnits(minimumAmount, currency)} (got ${formatMinorUnits(amountTotal, currency)}).`,
      'invalid_request_error',
      'line_items',
      'amount_too_small',
    );
  }
  if (amountTotal > STRIPE_MAXIMUM_AMOUNT) {
    throw new StripeApiError(
      400,
      `The Checkout Session's total amount due must be no more than ${formatMinorUnits(STRIPE_MAXIMUM_AMOUNT, currency)}.`,
      'invalid_request_error',
      'line_items',
      'amount_too_large',
    );
  }
  const expiresAt = p.integer('expires_at') ?? now + MAX_LIFETIME_S;
  if (expiresAt < now + MIN_LIFETIME_S || expiresAt > now + MAX_LIFETIME_S) {
    throw invalidParam(
      'expires_at',
      `expires_at must be between 30 minutes and 24 hours after the session is created (now ${now}, got ${expiresAt}).`,
    );
  }
  const pid = p.object('payment_intent_data');
  pid?.rejectUnknown([
    'metadata',
    'description',
    'receipt_email',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'capture_method',
    'setup_future_usage',
    'transfer_data',
    'application_fee_amount',
    'transfer_group',
  ]);
  const transferData = pid?.object('transfer_data');
  transferData?.rejectUnknown(['destination', 'amount']);
  return {
    lineItems,
    currency,
    amountTotal,
    clientReferenceId: p.string('client_reference_id', { max: 200 }) ?? null,
    metadata: p.metadata(),
    successUrl: url(p, 'success_url'),
    cancelUrl: url(p, 'cancel_url'),
    customerEmail: p.string('customer_email', { max: 800 }) ?? null,
    paymentIntentMetadata: pid?.metadata() ?? {},
    paymentIntentDescription: pid?.string('description', { max: 1000 }) ?? null,
    transferDestination: transferData?.string('destination', { required: true }) ?? null,
    applicationFeeAmount: pid?.integer('application_fee_amount', { min: 0 }) ?? null,
    createdAt: now,
    expiresAt,
    locale: p.string('locale') ?? null,
    paymentMethodTypes:
      p.stringList('payment_method_types').length > 0 ? p.stringList('payment_method_types') : ['card'],
  };
}

function readLineItem(li: Params): CheckoutLineItem {
  li.rejectUnknown(['price_data', 'quantity', 'price', 'adjustable_quantity', 'tax_rates']);
  if (li.has('price')) {
    throw invalidParam(li.name('price'), `The emulator has no Price objects; send ${li.name('price_data')} instead.`);
  }
  const pd = li.object('price_data', { required: true }) as Params;
  pd.rejectUnknown(['currency', 'unit_amount', 'product_data', 'product', 'tax_behavior']);
  const currency = (pd.string('currency', { required: true }) as string).toLowerCase();
  const rules = stripeCurrency(currency);
  if (!rules) {
    throw invalidParam(
      pd.name('currency'),
      `Invalid currency: ${currency}. The emulator (like Keyseed) supports: ${Object.keys(STRIPE_CURRENCIES).join(', ')}.`,
      'invalid_currency',
    );
  }
  const unitAmount = pd.integer('unit_amount', { required: true, min: 0, max: STRIPE_MAXIMUM_AMOUNT }) as number;
  const product = pd.object('product_data', { required: true }) as Params;
  product.rejectUnknown(['name', 'description', 'metadata', 'images', 'tax_code']);
  return {
    name: product.string('name', { required: true, max: 250 }) as string,
    description: product.string('description', { max: 40000 }) ?? null,
    currency,
    unitAmount,
    quantity: li.integer('quantity', { required: true, min: 1, max: 999_999 }) as number,
  };
}

function url(p: Params, key: string): string | null {
  const v = p.string(key, { max: 5000 });
  if (v === undefined) return null;
  try {
    const u = new URL(v.replace('{CHECKOUT_SESSION_ID}', 'x'));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidParam(
      key,
      `Not a valid URL: ${key} must be an absolute http(s) URL, got ${JSON.stringify(v)}`,
      'url_invalid',
    );
  }
  return v;
}
