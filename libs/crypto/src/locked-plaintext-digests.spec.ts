import { Readable } from 'node:stream';
import { encryptPieceInto } from './piece-cipher';
import { derivePieceKey } from './piece-key';
import { lockedPlaintextDigests } from './locked-plaintext-digests';
import { hex, pattern, vectors } from './test-vectors';

const { input, output } = vectors;

describe('lockedPlaintextDigests', () => {
  const { pieceLength, length, patternModulo } = input.pieceRoot;
  const contentKey = hex(input.wrap.contentKey);
  const plaintext = pattern(length, patternModulo);
  const ciphertext = Buffer.alloc(length);
  for (let at = 0, i = 0; at < length; at += pieceLength, i++) {
    const end = Math.min(at + pieceLength, length);
    encryptPieceInto(derivePieceKey(contentKey, i), plaintext.subarray(at, end), ciphertext.subarray(at, end));
  }

  /** The ciphertext in chunks of `size` bytes, so chunks straddle piece boundaries. */
  const chunked = (bytes: Buffer, size: number): Readable => {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    return Readable.from(chunks);
  };

  it.each([1000, 65536, 70001, 300_000])('decrypts %i-byte chunks into the vector plaintext digests', async (size) => {
    const digests = await lockedPlaintextDigests(chunked(ciphertext, size), contentKey, pieceLength, length);
    expect(digests).toEqual({
      plaintextSha256: output.pieceRoot.plaintextSha256,
      plaintextPieceRoot: output.pieceRoot.plaintextPieceRoot,
    });
  });

  it('leaves the ciphertext it reads as it was', async () => {
    const copy = Buffer.from(ciphertext);
    await lockedPlaintextDigests(chunked(copy, 4096), contentKey, pieceLength, length);
    expect(copy.equals(ciphertext)).toBe(true);
  });

  it('refuses a ciphertext shorter or longer than the item', async () => {
    await expect(
      lockedPlaintextDigests(chunked(ciphertext.subarray(0, length - 1), 4096), contentKey, pieceLength, length),
    ).rejects.toThrow(`ciphertext ended at ${length - 1} bytes, the item has ${length}`);
    await expect(
      lockedPlaintextDigests(chunked(Buffer.concat([ciphertext, Buffer.of(0)]), 4096), contentKey, pieceLength, length),
    ).rejects.toThrow(`ciphertext is longer than the item's ${length} bytes`);
  });

  it('gives another root under another content key', async () => {
    const other = Buffer.from(contentKey);
    other[0] ^= 1;
    const digests = await lockedPlaintextDigests(chunked(ciphertext, 65536), other, pieceLength, length);
    expect(digests.plaintextPieceRoot).not.toBe(output.pieceRoot.plaintextPieceRoot);
    expect(digests.plaintextSha256).not.toBe(output.pieceRoot.plaintextSha256);
  });
});
