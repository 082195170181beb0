import { formatMinorUnits, STRIPE_MAXIMUM_AMOUNT, stripeCurrency } from './currencies';

/** A discount as stored (DiscountCode), the parts that decide whether and how it applies. */
export interface Discount {
  code: string;
  kind: 'PERCENT' | 'AMOUNT';
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  disabledAt: Date | null;
}

export interface DiscountInput {
  code: unknown;
  percentOff?: unknown;
  amountOff?: unknown;
  currency?: unknown;
  maxUses?: unknown;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

export interface ValidDiscount {
  code: string;
  kind: 'PERCENT' | 'AMOUNT';
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  maxUses: number | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

export class DiscountError extends Error {}

/** Letters, digits, '-' and '_', 3–40 characters; compared upper-case. */
const CODE = /^[A-Z0-9][A-Z0-9_-]{2,39}$/;

/** A code as buyers may type it: trimmed, upper-case. */
export function normalizeDiscountCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * Validates a new discount code: exactly one of percentOff (1–99: a discount never makes a bundle
 * free, redeem codes do) or amountOff with its currency (integer minor units, a currency Stripe
 * accepts); maxUses ≥ 1 when given; the window, when both ends are given, not empty.
 */
export function validateDiscount(input: DiscountInput): ValidDiscount {
  if (typeof input.code !== 'string' || !CODE.test(normalizeDiscountCode(input.code)))
    throw new DiscountError(
      `code must be 3–40 letters, digits, '-' or '_' (starting with a letter or digit), got ${JSON.stringify(input.code)}`,
    );
  const code = normalizeDiscountCode(input.code);
  const hasPercent = input.percentOff !== undefined && input.percentOff !== null;
  const hasAmount = input.amountOff !== undefined && input.amountOff !== null;
  if (hasPercent === hasAmount) throw new DiscountError('give exactly one of percentOff or amountOff (with currency)');
  let maxUses: number | null = null;
  if (input.maxUses !== undefined && input.maxUses !== null) {
    if (!Number.isInteger(input.maxUses) || (input.maxUses as number) < 1 || (input.maxUses as number) > 1_000_000)
      throw new DiscountError(`maxUses must be an integer from 1 to 1000000, got ${JSON.stringify(input.maxUses)}`);
    maxUses = input.maxUses as number;
  }
  const startsAt = input.startsAt ?? null;
  const endsAt = input.endsAt ?? null;
  if (startsAt && endsAt && endsAt <= startsAt)
    throw new DiscountError(`endsAt (${endsAt.toISOString()}) must be after startsAt (${startsAt.toISOString()})`);
  const base = { code, maxUses, startsAt, endsAt };
  if (hasPercent) {
    const p = input.percentOff;
    if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > 99)
      throw new DiscountError(
        `percentOff must be an integer from 1 to 99 (a free copy is a redeem code), got ${JSON.stringify(p)}`,
      );
    if (input.currency !== undefined && input.currency !== null)
      throw new DiscountError('currency belongs to amountOff codes; a percentage applies in any currency');
    return { ...base, kind: 'PERCENT', percentOff: p as number, amountOff: null, currency: null };
  }
  if (typeof input.currency !== 'string' || !stripeCurrency(input.currency.toLowerCase()))
    throw new DiscountError(
      `amountOff needs the currency it is in (a currency Stripe accepts, e.g. usd), got ${JSON.stringify(input.currency)}`,
    );
  const currency = input.currency.toLowerCase();
  const a = input.amountOff;
  if (!Number.isInteger(a) || (a as number) < 1 || (a as number) > STRIPE_MAXIMUM_AMOUNT)
    throw new DiscountError(
      `amountOff must be a positive integer number of minor units of ${currency}, got ${JSON.stringify(a)}`,
    );
  return { ...base, kind: 'AMOUNT', percentOff: null, amountOff: a as number, currency };
}

/**
 * What a buyer pays for `amount` (minor units of `currency`) with `discount` at time `now`, or a
 * DiscountError saying why the code does not apply: disabled, outside its window, in another
 * currency, or taking the price below Stripe's minimum charge for the currency (a free copy is a
 * redeem code, never a discount). Percentages round the discount to the nearest minor unit.
 */
export function discountedAmount(amount: number, currency: string, discount: Discount, now: Date): number {
  const name = discount.code;
  if (discount.disabledAt) throw new DiscountError(`code ${name} has been disabled`);
  if (discount.startsAt && now < discount.startsAt)
    throw new DiscountError(`code ${name} is not valid yet (from ${discount.startsAt.toISOString()})`);
  if (discount.endsAt && now >= discount.endsAt)
    throw new DiscountError(`code ${name} expired at ${discount.endsAt.toISOString()}`);
  let off: number;
  if (discount.kind === 'PERCENT') off = Math.round((amount * (discount.percentOff ?? 0)) / 100);
  else {
    if (discount.currency !== currency)
      throw new DiscountError(
        `code ${name} is an amount in ${discount.currency}; this bundle is priced in ${currency}`,
      );
    off = discount.amountOff ?? 0;
  }
  const result = amount - off;
  const minimum = stripeCurrency(currency)?.minimumAmount ?? 0;
  if (result < minimum)
    throw new DiscountError(
      `code ${name} would take the price to ${formatMinorUnits(Math.max(result, 0), currency)}, below Stripe's minimum charge of ${formatMinorUnits(minimum, currency)}; free copies are given with redeem codes`,
    );
  return result;
}
