import { formatMinorUnits, STRIPE_CURRENCIES, STRIPE_MAXIMUM_AMOUNT, stripeCurrency } from './currencies';

export interface PriceInput {
  amount: unknown;
  currency: unknown;
  minimum?: unknown;
}

export interface Price {
  amount: number;
  /** Lower-case ISO 4217, as Stripe wants it. */
  currency: string;
  /** Pay-what-you-want minimum; null = fixed price. */
  minimum: number | null;
}

export class PriceError extends Error {}

/**
 * Validates an admin's price against Stripe's rules (STRIPE_CURRENCIES): integer minor units, a
 * supported currency, at least the currency's minimum charge, at most Stripe's maximum; a
 * pay-what-you-want minimum must itself be chargeable and not above the suggested amount.
 * Throws PriceError naming what is wrong.
 */
export function validatePrice(input: PriceInput): Price {
  if (typeof input.currency !== 'string' || !/^[A-Za-z]{3}$/.test(input.currency)) {
    throw new PriceError(`currency must be a three-letter ISO 4217 code, got ${JSON.stringify(input.currency)}`);
  }
  const currency = input.currency.toLowerCase();
  const rules = stripeCurrency(currency);
  if (!rules) {
    throw new PriceError(
      `currency ${currency} is not supported; use one of ${Object.keys(STRIPE_CURRENCIES).join(', ')}`,
    );
  }
  const amount = minorUnits(input.amount, 'amount', currency);
  if (amount < rules.minimumAmount) {
    throw new PriceError(
      `amount ${amount} is below Stripe's minimum charge for ${currency} (${rules.minimumAmount} = ${formatMinorUnits(rules.minimumAmount, currency)})`,
    );
  }
  let minimum: number | null = null;
  if (input.minimum !== undefined && input.minimum !== null) {
    minimum = minorUnits(input.minimum, 'minimum', currency);
    if (minimum < rules.minimumAmount) {
      throw new PriceError(
        `minimum ${minimum} is below Stripe's minimum charge for ${currency} (${rules.minimumAmount} = ${formatMinorUnits(rules.minimumAmount, currency)})`,
      );
    }
    if (minimum > amount) throw new PriceError(`minimum ${minimum} must not exceed the amount ${amount}`);
  }
  return { amount, currency, minimum };
}

/**
 * The amount a buyer pays: the price's amount, or for pay-what-you-want any `offered` amount from
 * the minimum up to Stripe's maximum.
 */
export function chargeAmount(price: Price, offered: number | undefined): number {
  if (offered === undefined) return price.amount;
  if (price.minimum === null) {
    if (offered !== price.amount)
      throw new PriceError(
        `this bundle has a fixed price of ${price.amount} (${formatMinorUnits(price.amount, price.currency)}); omit amount or send exactly that`,
      );
    return offered;
  }
  const amount = minorUnits(offered, 'amount', price.currency);
  if (amount < price.minimum) {
    throw new PriceError(
      `amount ${amount} is below this bundle's minimum of ${price.minimum} (${formatMinorUnits(price.minimum, price.currency)})`,
    );
  }
  return amount;
}

function minorUnits(value: unknown, field: string, currency: string): number {
  const decimals = stripeCurrency(currency)?.decimals ?? 2;
  const unit = decimals === 0 ? `whole ${currency}` : `minor units of ${currency} (1/${10 ** decimals})`;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new PriceError(`${field} must be a number of ${unit}, got ${JSON.stringify(value)}`);
  if (!Number.isInteger(value)) throw new PriceError(`${field} must be an integer number of ${unit}, got ${value}`);
  if (value < 0) throw new PriceError(`${field} must not be negative, got ${value}`);
  if (value > STRIPE_MAXIMUM_AMOUNT)
    throw new PriceError(`${field} ${value} exceeds Stripe's maximum charge of ${STRIPE_MAXIMUM_AMOUNT}`);
  return value;
}

/** A fee percentage (0–100, at most two decimals) in basis points. */
export function percentToBps(percent: number): number {
  return Math.round(percent * 100);
}

/**
 * The platform's fee on a sale of `amount` minor units at `bps` basis points, rounded down: the
 * creator is never paid less than their share. Stripe's `application_fee_amount`.
 */
export function platformFee(amount: number, bps: number): number {
  return Math.floor((amount * bps) / 10_000);
}
