import { createHash, randomBytes } from 'node:crypto';
import { hashFileBuffer } from './piece-hasher';
import { V1StreamHasher } from './v1-stream-hasher';

const L = 16 * 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest();

describe('V1StreamHasher', () => {
  const a = randomBytes(L + 100);
  const b = randomBytes(3 * L - 100 + 7);
  const stream = Buffer.concat([a, b]);
  const expected = Buffer.concat(
    Array.from({ length: Math.ceil(stream.length / L) }, (_, i) => sha1(stream.subarray(i * L, (i + 1) * L))),
  );

  it('hashes pieces that span files, the last one unpadded, whatever the chunking', () => {
    const h = new V1StreamHasher(L);
    for (let i = 0; i < stream.length; i += 1000) h.update(stream.subarray(i, i + 1000));
    expect(h.digest()).toEqual(expected);
  });

  it('takes known hashes of whole pieces on a boundary instead of their bytes', () => {
    const first = randomBytes(2 * L + 5);
    const h = new V1StreamHasher(L);
    h.addPieceHashes(hashFileBuffer(first, L).piecesV1.subarray(0, 40))
      .update(first.subarray(2 * L))
      .update(a);
    const all = Buffer.concat([first, a]);
    expect(h.digest()).toEqual(
      Buffer.concat(
        Array.from({ length: Math.ceil(all.length / L) }, (_, i) => sha1(all.subarray(i * L, (i + 1) * L))),
      ),
    );
  });

  it('refuses known hashes off a piece boundary', () => {
    expect(() => new V1StreamHasher(L).update(a.subarray(0, 3)).addPieceHashes(Buffer.alloc(20))).toThrow(
      'piece hashes can only be added on a piece boundary',
    );
  });
});
