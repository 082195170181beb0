import { chargeAmount, percentToBps, platformFee, PriceError, validatePrice } from './price-rules';

describe('validatePrice', () => {
  it('accepts integer minor units in a supported currency and lower-cases it', () => {
    expect(validatePrice({ amount: 1500, currency: 'EUR' })).toEqual({ amount: 1500, currency: 'eur', minimum: null });
    expect(validatePrice({ amount: 500, currency: 'jpy', minimum: 50 })).toEqual({
      amount: 500,
      currency: 'jpy',
      minimum: 50,
    });
  });

  it.each([
    [{ amount: -1, currency: 'usd' }, /must not be negative/],
    [{ amount: 9.99, currency: 'usd' }, /integer number of minor units of usd/],
    [{ amount: '500', currency: 'usd' }, /must be a number/],
    [{ amount: 500, currency: 'xyz' }, /currency xyz is not supported/],
    [{ amount: 500, currency: 'dollars' }, /three-letter ISO 4217/],
    [{ amount: 49, currency: 'usd' }, /below Stripe's minimum charge for usd \(50 = 0.50 usd\)/],
    [{ amount: 1000, currency: 'usd', minimum: 20 }, /minimum 20 is below/],
    [{ amount: 1000, currency: 'usd', minimum: 2000 }, /must not exceed the amount/],
    [{ amount: 100_000_000, currency: 'usd' }, /maximum/],
  ])('refuses %j with the reason', (input, reason) => {
    expect(() => validatePrice(input)).toThrow(PriceError);
    expect(() => validatePrice(input)).toThrow(reason);
  });
});

describe('chargeAmount', () => {
  it('charges the fixed price, or any pay-what-you-want amount from the minimum', () => {
    expect(chargeAmount({ amount: 1000, currency: 'usd', minimum: null }, undefined)).toBe(1000);
    expect(() => chargeAmount({ amount: 1000, currency: 'usd', minimum: null }, 500)).toThrow(/fixed price/);
    expect(chargeAmount({ amount: 1000, currency: 'usd', minimum: 300 }, 2500)).toBe(2500);
    expect(() => chargeAmount({ amount: 1000, currency: 'usd', minimum: 300 }, 299)).toThrow(
      /below this bundle's minimum of 300/,
    );
  });
});

describe('platformFee', () => {
  it('takes the basis points of the amount, rounded down in the creator’s favour', () => {
    expect(platformFee(1500, percentToBps(10))).toBe(150);
    expect(platformFee(999, percentToBps(10))).toBe(99);
    expect(platformFee(1000, percentToBps(12.5))).toBe(125);
    expect(platformFee(1000, 0)).toBe(0);
    expect(platformFee(99_999_999, percentToBps(100))).toBe(99_999_999);
  });
});
