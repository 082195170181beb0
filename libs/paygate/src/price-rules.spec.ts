import { chargeAmount, PriceError, validatePrice } from './price-rules';

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
