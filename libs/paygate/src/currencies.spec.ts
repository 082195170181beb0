import { formatMinorUnits, STRIPE_CURRENCIES, stripeCurrency, ZERO_DECIMAL_CURRENCIES } from './currencies';

describe('STRIPE_CURRENCIES', () => {
  it("holds Stripe's documented minimum charge amounts in minor units", () => {
    expect(STRIPE_CURRENCIES.usd).toEqual({ decimals: 2, minimumAmount: 50 });
    expect(STRIPE_CURRENCIES.eur).toEqual({ decimals: 2, minimumAmount: 50 });
    expect(STRIPE_CURRENCIES.gbp).toEqual({ decimals: 2, minimumAmount: 30 });
    expect(STRIPE_CURRENCIES.jpy).toEqual({ decimals: 0, minimumAmount: 50 });
  });

  it('agrees with the zero-decimal list and uses lowercase ISO codes', () => {
    for (const [code, rules] of Object.entries(STRIPE_CURRENCIES)) {
      expect(code).toMatch(/^[a-z]{3}$/);
      expect(rules.decimals).toBe(ZERO_DECIMAL_CURRENCIES.includes(code) ? 0 : 2);
    }
  });

  it('does not answer for inherited keys or unsupported codes', () => {
    expect(stripeCurrency('toString')).toBeUndefined();
    expect(stripeCurrency('xyz')).toBeUndefined();
  });

  it('formats minor units for messages', () => {
    expect(formatMinorUnits(30, 'gbp')).toBe('0.30 gbp');
    expect(formatMinorUnits(50, 'jpy')).toBe('50 jpy');
  });
});
