import { assertPieceLength, choosePieceLength, parseByteSize } from './piece-length';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('piece length', () => {
  it.each([
    [1, 16 * KiB],
    [20 * MiB, 16 * KiB],
    [100 * MiB, 128 * KiB],
    [1 * GiB, 1 * MiB],
    [2 * GiB, 2 * MiB],
    [4 * GiB, 4 * MiB],
    [20 * GiB, 16 * MiB],
    [500 * GiB, 16 * MiB],
  ])('chooses a power of two keeping ≤ 1500 pieces: %d bytes → %d', (size, expected) => {
    expect(choosePieceLength(size)).toBe(expected);
  });

  it.each([3_000_000, 8 * KiB, 32 * MiB, 0, -16384, 16384.5])('rejects %d with an actionable message', (n) => {
    expect(() => assertPieceLength(n)).toThrow(
      `piece length must be a power of two between 16 KiB and 16 MiB, got ${n}`,
    );
  });

  it('accepts the bounds', () => {
    expect(assertPieceLength(16 * KiB)).toBe(16 * KiB);
    expect(assertPieceLength(16 * MiB)).toBe(16 * MiB);
  });

  it('parses sizes with units', () => {
    expect(parseByteSize('4MiB')).toBe(4 * MiB);
    expect(parseByteSize('256k')).toBe(256 * KiB);
    expect(parseByteSize('16384')).toBe(16384);
    expect(() => parseByteSize('four')).toThrow('not a byte size: "four"');
  });
});
