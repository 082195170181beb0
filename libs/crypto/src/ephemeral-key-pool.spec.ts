import { generateDeviceKeyPair } from './device-key';
import { EphemeralKeyPool } from './ephemeral-key-pool';
import { openContentKeys, sealContentKeys } from './key-set';
import { EphemeralKey, generateEphemeralKey } from './sealed-delivery';

const LICENSE = '11111111-2222-4333-8444-555555555555';
const DEVICE = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const ITEMS = [{ itemId: 'film', contentKey: Buffer.alloc(32, 7), plaintextSha256: 'ab'.repeat(32) }];

/** A pool whose pairs are counted as they are made. */
function countingPool(capacity: number): { pool: EphemeralKeyPool; made: EphemeralKey[] } {
  const made: EphemeralKey[] = [];
  const pool = new EphemeralKeyPool(capacity, () => {
    const key = generateEphemeralKey();
    made.push(key);
    return key;
  });
  return { pool, made };
}

describe('EphemeralKeyPool', () => {
  it('fills up to its capacity and no further', () => {
    const { pool, made } = countingPool(5);
    expect(pool.size).toBe(0);
    expect(pool.fill(3)).toBe(3);
    expect(pool.fill(10)).toBe(2);
    expect(pool.fill(1)).toBe(0);
    expect(pool.size).toBe(5);
    expect(made).toHaveLength(5);
  });

  it('hands each pair out once, then makes fresh pairs when empty', () => {
    const { pool, made } = countingPool(4);
    pool.fill(4);
    const taken = Array.from({ length: 6 }, () => pool.take());
    expect(new Set(taken).size).toBe(6);
    expect(new Set(taken.map((k) => k.publicRaw.toString('hex'))).size).toBe(6);
    expect(taken.slice(0, 4).every((k) => made.slice(0, 4).includes(k))).toBe(true);
    expect(made).toHaveLength(6); // the last two were made on the spot
    expect(pool.size).toBe(0);
    expect(taken.every((k) => !k.used)).toBe(true);
  });

  it('refills what was taken', () => {
    const { pool } = countingPool(3);
    pool.fill(3);
    const first = [pool.take(), pool.take()];
    expect(pool.size).toBe(1);
    expect(pool.fill(3)).toBe(2);
    const next = [pool.take(), pool.take(), pool.take()];
    expect(next.some((k) => first.includes(k))).toBe(false);
  });

  it('gives pairs that seal deliveries the device opens', () => {
    const pool = new EphemeralKeyPool(2);
    pool.fill(2);
    const dev = generateDeviceKeyPair();
    for (let i = 0; i < 3; i++) {
      const sealed = sealContentKeys(dev.publicKey, DEVICE, LICENSE, ITEMS, { ephemeral: pool.take() });
      expect(openContentKeys(dev.privateKey, DEVICE, sealed, LICENSE)[0].contentKey).toEqual(ITEMS[0].contentKey);
    }
  });

  it('with capacity 0 holds nothing and still hands out fresh pairs', () => {
    const { pool, made } = countingPool(0);
    expect(pool.fill(10)).toBe(0);
    expect(pool.take()).toBe(made[0]);
    expect(pool.size).toBe(0);
  });

  it('refuses a capacity that is not a whole number ≥ 0', () => {
    expect(() => new EphemeralKeyPool(-1)).toThrow(/whole number ≥ 0, got -1/);
    expect(() => new EphemeralKeyPool(1.5)).toThrow(/got 1.5/);
  });
});
