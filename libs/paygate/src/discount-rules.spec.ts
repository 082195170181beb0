import { formatClaimCode, normalizeClaimCode, randomClaimCode } from './claim-codes';
import { Discount, discountedAmount, DiscountError, validateDiscount } from './discount-rules';

const code = (over: Partial<Discount>): Discount => ({
  code: 'X',
  kind: 'PERCENT',
  percentOff: 10,
  amountOff: null,
  currency: null,
  startsAt: null,
  endsAt: null,
  disabledAt: null,
  ...over,
});
const now = new Date('2027-01-01T00:00:00Z');

describe('discount rules', () => {
  it('rounds percentages to the nearest minor unit and subtracts amounts in their currency', () => {
    expect(discountedAmount(1999, 'usd', code({ percentOff: 20 }), now)).toBe(1599);
    expect(discountedAmount(1000, 'jpy', code({ percentOff: 33 }), now)).toBe(670);
    expect(discountedAmount(1500, 'usd', code({ kind: 'AMOUNT', amountOff: 500, currency: 'usd' }), now)).toBe(1000);
    expect(() => discountedAmount(1500, 'eur', code({ kind: 'AMOUNT', amountOff: 500, currency: 'usd' }), now)).toThrow(
      /amount in usd; this bundle is priced in eur/,
    );
  });

  it("never goes below Stripe's minimum charge for the currency (exactly the minimum is fine)", () => {
    expect(discountedAmount(100, 'usd', code({ percentOff: 50 }), now)).toBe(50);
    expect(() => discountedAmount(100, 'usd', code({ percentOff: 51 }), now)).toThrow(
      /0\.49 usd, below Stripe's minimum charge of 0\.50 usd/,
    );
    expect(() => discountedAmount(100, 'jpy', code({ kind: 'AMOUNT', amountOff: 60, currency: 'jpy' }), now)).toThrow(
      /40 jpy, below Stripe's minimum charge of 50 jpy/,
    );
    expect(() => discountedAmount(300, 'usd', code({ kind: 'AMOUNT', amountOff: 900, currency: 'usd' }), now)).toThrow(
      /0\.00 usd/,
    );
  });

  it('applies only inside the window [startsAt, endsAt) and while enabled', () => {
    const window = { startsAt: new Date('2027-01-01T00:00:00Z'), endsAt: new Date('2027-01-02T00:00:00Z') };
    expect(discountedAmount(1000, 'usd', code(window), now)).toBe(900);
    expect(() => discountedAmount(1000, 'usd', code(window), new Date('2026-12-31T23:59:59Z'))).toThrow(
      /not valid yet/,
    );
    expect(() => discountedAmount(1000, 'usd', code(window), window.endsAt)).toThrow(/expired at/);
    expect(() => discountedAmount(1000, 'usd', code({ disabledAt: now }), now)).toThrow(/disabled/);
  });

  it('validates new codes, naming the rule broken', () => {
    expect(validateDiscount({ code: ' launch-20 ', percentOff: 20 })).toMatchObject({
      code: 'LAUNCH-20',
      kind: 'PERCENT',
      maxUses: null,
    });
    expect(validateDiscount({ code: 'FIVE', amountOff: 500, currency: 'EUR', maxUses: 3 })).toMatchObject({
      kind: 'AMOUNT',
      currency: 'eur',
      maxUses: 3,
    });
    const refused: [object, RegExp][] = [
      [{ code: 'X', percentOff: 5 }, /code must be 3–40/],
      [{ code: 'OK1' }, /exactly one of/],
      [{ code: 'OK1', percentOff: 5, amountOff: 5, currency: 'usd' }, /exactly one of/],
      [{ code: 'OK1', percentOff: 100 }, /1 to 99/],
      [{ code: 'OK1', percentOff: 2.5 }, /1 to 99/],
      [{ code: 'OK1', amountOff: 5 }, /needs the currency/],
      [{ code: 'OK1', amountOff: 5, currency: 'xts' }, /needs the currency/],
      [{ code: 'OK1', amountOff: -5, currency: 'usd' }, /positive integer/],
      [{ code: 'OK1', percentOff: 5, maxUses: 0 }, /maxUses/],
      [{ code: 'OK1', percentOff: 5, startsAt: now, endsAt: now }, /must be after startsAt/],
    ];
    for (const [input, message] of refused) {
      expect(() => validateDiscount(input as never)).toThrow(DiscountError);
      expect(() => validateDiscount(input as never)).toThrow(message);
    }
  });
});

describe('claim codes', () => {
  it('are random Crockford base32, shown in groups of four, and read back however they are typed', () => {
    const a = randomClaimCode(16);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(new Set(Array.from({ length: 1000 }, () => randomClaimCode(16))).size).toBe(1000);
    expect(formatClaimCode('ABCDEFGHJKMNPQRS')).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(normalizeClaimCode(' abcd-efgh jkmn-pqrs ')).toBe('ABCDEFGHJKMNPQRS');
    expect(normalizeClaimCode('O0-Il')).toBe('0011');
    expect(normalizeClaimCode('ABC!')).toBeNull();
    expect(normalizeClaimCode('U')).toBeNull();
    expect(normalizeClaimCode('A'.repeat(65))).toBeNull();
  });
});
