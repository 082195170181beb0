import { randomBytes } from 'node:crypto';
import { MAX_PIECE_INDEX, derivePieceKey, derivePieceKeys, pieceKeyAt } from './piece-key';
import { hex, vectors } from './test-vectors';

const { input, output } = vectors;
const CK = hex(input.wrap.contentKey);

describe('piece keys', () => {
  it.each(output.pieceKeys)('K_$index matches the test vector', ({ index, key }) => {
    expect(derivePieceKey(CK, index).toString('hex')).toBe(key);
    expect(derivePieceKeys(CK, index, index).toString('hex')).toBe(key);
  });

  it('derives a range equal to the single derivations, up to the last u32 index', () => {
    const ck = randomBytes(32);
    for (const [first, last] of [
      [0, 40],
      [1000, 1003],
      [MAX_PIECE_INDEX - 3, MAX_PIECE_INDEX],
    ]) {
      const keys = derivePieceKeys(ck, first, last);
      expect(keys).toHaveLength(32 * (last - first + 1));
      for (let i = first; i <= last; i++) expect(pieceKeyAt(keys, first, i)).toEqual(derivePieceKey(ck, i));
    }
  });

  it('rejects indexes outside u32 and empty ranges', () => {
    expect(() => derivePieceKey(CK, -1)).toThrow(/piece index must be an integer from 0 to 4294967295, got -1/);
    expect(() => derivePieceKey(CK, MAX_PIECE_INDEX + 1)).toThrow(/got 4294967296/);
    expect(() => derivePieceKey(CK, 1.5)).toThrow(/got 1.5/);
    expect(() => derivePieceKeys(CK, 5, 4)).toThrow(/last 4 < first 5/);
    expect(() => pieceKeyAt(derivePieceKeys(CK, 5, 6), 5, 7)).toThrow(/outside the key range 5..6/);
    expect(() => derivePieceKey(Buffer.alloc(31), 0)).toThrow(/content key must be 32 bytes/);
  });
});
