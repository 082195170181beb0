import { createHash } from 'node:crypto';
import { PIECE_DIGEST_BYTES, plaintextPieceRoot } from './piece-root';
import { hex, pattern, vectors } from './test-vectors';

const { input, output } = vectors;

describe('plaintextPieceRoot', () => {
  const plaintext = pattern(input.pieceRoot.length, input.pieceRoot.patternModulo);
  const pieceLength = input.pieceRoot.pieceLength;

  it('hashes the piece digests of the vector (last piece short) into its root', () => {
    const digests: Buffer[] = [];
    for (let at = 0; at < plaintext.length; at += pieceLength)
      digests.push(
        createHash('sha256')
          .update(plaintext.subarray(at, at + pieceLength))
          .digest(),
      );
    expect(digests.map((d) => d.toString('hex'))).toEqual(output.pieceRoot.pieceSha256);
    expect(plaintextPieceRoot(Buffer.concat(digests))).toBe(output.pieceRoot.plaintextPieceRoot);
    expect(plaintextPieceRoot(Buffer.concat(output.pieceRoot.pieceSha256.map(hex)))).toBe(
      output.pieceRoot.plaintextPieceRoot,
    );
  });

  it('differs from the whole-file SHA-256 and depends on the piece order', () => {
    expect(createHash('sha256').update(plaintext).digest('hex')).toBe(output.pieceRoot.plaintextSha256);
    expect(output.pieceRoot.plaintextPieceRoot).not.toBe(output.pieceRoot.plaintextSha256);
    const swapped = Buffer.concat([output.pieceRoot.pieceSha256[1], output.pieceRoot.pieceSha256[0]].map(hex));
    const inOrder = Buffer.concat(output.pieceRoot.pieceSha256.slice(0, 2).map(hex));
    expect(plaintextPieceRoot(swapped)).not.toBe(plaintextPieceRoot(inOrder));
  });

  it('is the SHA-256 of nothing for an item without pieces, and refuses a partial digest', () => {
    expect(plaintextPieceRoot(Buffer.alloc(0))).toBe(createHash('sha256').digest('hex'));
    expect(() => plaintextPieceRoot(Buffer.alloc(PIECE_DIGEST_BYTES + 1))).toThrow(/multiple of 32 bytes, got 33/);
  });
});
