import { THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES } from '@keyseed/paygate/currencies';

// Only the currency facts file: the CLI does not load the paygate (Stripe SDK, NestJS).
const ZERO_DECIMAL = new Set(ZERO_DECIMAL_CURRENCIES);
const THREE_DECIMAL = new Set(THREE_DECIMAL_CURRENCIES);

/** `1500, "usd"` → `15.00 USD`; `500, "jpy"` → `500 JPY`. */
export function formatPrice(amount: number, currency: string): string {
  const c = currency.toLowerCase();
  const decimals = ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
  return `${(amount / 10 ** decimals).toFixed(decimals)} ${c.toUpperCase()}`;
}

/** The catalog's price object (or null) as a sentence fragment. */
export function describePrice(
  price: { amount: number | null; currency: string | null; minimum?: number | null } | null | undefined,
): string | null {
  if (!price || price.amount === null || price.amount === undefined || !price.currency) return null;
  const base = formatPrice(price.amount, price.currency);
  return price.minimum !== null && price.minimum !== undefined
    ? `pay what you want, at least ${formatPrice(price.minimum, price.currency)} (suggested ${base})`
    : base;
}
