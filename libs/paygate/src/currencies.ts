/**
 * Presentment currencies Keyseed accepts, with Stripe's documented rules.
 *
 * `decimals` is how many minor-unit digits Stripe's API expects (`jpy` 0: ¥500 is `500`; `usd` 2:
 * $5.00 is `500`). `minimumAmount` is Stripe's documented minimum charge amount in minor units
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe documents exact
 * minimums only for these settlement currencies; for every other currency the minimum is "the
 * equivalent of 0.50 USD", which moves with exchange rates, so they are deliberately left out.
 *
 * Owned by the paygate (price validation, discount floors); the emulator imports them to reject what
 * Stripe rejects.
 */
export interface StripeCurrency {
  decimals: number;
  minimumAmount: number;
}

export const STRIPE_CURRENCIES: Readonly<Record<string, StripeCurrency>> = Object.freeze({
  usd: { decimals: 2, minimumAmount: 50 },
  aed: { decimals: 2, minimumAmount: 200 },
  aud: { decimals: 2, minimumAmount: 50 },
  bgn: { decimals: 2, minimumAmount: 100 },
  brl: { decimals: 2, minimumAmount: 50 },
  cad: { decimals: 2, minimumAmount: 50 },
  chf: { decimals: 2, minimumAmount: 50 },
  czk: { decimals: 2, minimumAmount: 1500 },
  dkk: { decimals: 2, minimumAmount: 250 },
  eur: { decimals: 2, minimumAmount: 50 },
  gbp: { decimals: 2, minimumAmount: 30 },
  hkd: { decimals: 2, minimumAmount: 400 },
  // HUF is a Stripe "special case": two decimals in the API, whole forints in payouts.
  huf: { decimals: 2, minimumAmount: 17500 },
  inr: { decimals: 2, minimumAmount: 50 },
  jpy: { decimals: 0, minimumAmount: 50 },
  mxn: { decimals: 2, minimumAmount: 1000 },
  myr: { decimals: 2, minimumAmount: 200 },
  nok: { decimals: 2, minimumAmount: 300 },
  nzd: { decimals: 2, minimumAmount: 50 },
  pln: { decimals: 2, minimumAmount: 200 },
  ron: { decimals: 2, minimumAmount: 200 },
  sek: { decimals: 2, minimumAmount: 300 },
  sgd: { decimals: 2, minimumAmount: 50 },
  thb: { decimals: 2, minimumAmount: 1000 },
});

/** Stripe's zero-decimal currencies (amounts are whole units). */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = Object.freeze([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Stripe's three-decimal currencies (amounts in thousandths; the last digit must be 0). */
export const THREE_DECIMAL_CURRENCIES: readonly string[] = Object.freeze(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Stripe's maximum amount for a single charge, in minor units (eight digits). */
export const STRIPE_MAXIMUM_AMOUNT = 99_999_999;

/** The currency's rules, or undefined when Keyseed (and the emulator) do not accept it. */
export function stripeCurrency(code: string): StripeCurrency | undefined {
  return Object.prototype.hasOwnProperty.call(STRIPE_CURRENCIES, code) ? STRIPE_CURRENCIES[code] : undefined;
}

/** `formatMinorUnits(50, 'usd')` → `"0.50 usd"`; `formatMinorUnits(50, 'jpy')` → `"50 jpy"`. */
export function formatMinorUnits(amount: number, currency: string): string {
  const decimals = stripeCurrency(currency)?.decimals ?? 2;
  const value = decimals === 0 ? String(amount) : (amount / 10 ** decimals).toFixed(decimals);
  return `${value} ${currency}`;
}
