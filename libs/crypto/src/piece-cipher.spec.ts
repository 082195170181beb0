import { createHash, randomBytes } from 'node:crypto';
import {
  PIECE_CIPHER_CHUNK,
  PieceCipher,
  decryptPieceInPlace,
  encryptPieceInPlace,
  encryptPieceInto,
} from './piece-cipher';
import { hex, pattern, vectors } from './test-vectors';

const { input, output } = vectors;

describe('piece cipher (AES-256-CTR, zero IV)', () => {
  it('matches the 64-byte test vector (piece 7)', () => {
    const pt = hex(output.pieceCipher.plaintext);
    expect(pt).toEqual(pattern(input.pieceCipher.length, input.pieceCipher.patternModulo));
    const dst = Buffer.alloc(pt.length);
    encryptPieceInto(hex(output.pieceCipher.pieceKey), pt, dst);
    expect(dst.toString('hex')).toBe(output.pieceCipher.ciphertext);
  });

  it('matches the long-piece vector across chunk boundaries, in place and into a buffer', () => {
    const { length, patternModulo } = input.longPiece;
    expect(length).toBeGreaterThan(3 * PIECE_CIPHER_CHUNK);
    const key = hex(output.longPiece.pieceKey);
    const src = pattern(length, patternModulo);
    const dst = Buffer.alloc(length + 64).subarray(64);
    encryptPieceInto(key, src, dst);
    expect(createHash('sha256').update(dst).digest('hex')).toBe(output.longPiece.ciphertextSha256);
    const inPlace = Buffer.from(src);
    encryptPieceInPlace(key, inPlace);
    expect(inPlace).toEqual(dst);
    decryptPieceInPlace(key, inPlace);
    expect(inPlace).toEqual(src);
  });

  it('continues the keystream across update calls of any size', () => {
    const key = randomBytes(32);
    const src = randomBytes(3 * PIECE_CIPHER_CHUNK + 17);
    const whole = Buffer.alloc(src.length);
    encryptPieceInto(key, src, whole);
    const parts = Buffer.from(src);
    const c = new PieceCipher(key);
    for (const [a, b] of [
      [0, 5],
      [5, 70000],
      [70000, 70001],
      [70001, src.length],
    ])
      c.update(parts.subarray(a, b));
    expect(parts).toEqual(whole);
  });

  it('refuses short outputs, partial overlaps and wrong key sizes', () => {
    const buf = Buffer.alloc(1024);
    expect(() => encryptPieceInto(Buffer.alloc(32), buf, Buffer.alloc(10))).toThrow(/output is 10 bytes, input 1024/);
    expect(() => encryptPieceInto(Buffer.alloc(32), buf.subarray(0, 512), buf.subarray(16, 528))).toThrow(/overlap/);
    expect(() => encryptPieceInto(Buffer.alloc(16), buf, buf)).toThrow(/piece key must be 32 bytes, got 16 bytes/);
  });
});
