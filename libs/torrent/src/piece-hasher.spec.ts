import { createHash, randomBytes } from 'node:crypto';
import {
  combinePieceRanges,
  hashFileBuffer,
  PieceHasher,
  splitPieceRanges,
  fileHashesFromJSON,
  fileHashesToJSON,
} from './piece-hasher';
import { zeroSubtreeRoot } from './merkle';

const KiB = 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();

/** Straightforward BEP 52 reference: whole-file tree of nextPow2(blocks) leaves, zero leaves past EOF. */
function referenceRoot(data: Buffer): Buffer {
  const leaves: Buffer[] = [];
  for (let o = 0; o < data.length; o += 16 * KiB) leaves.push(sha256(data.subarray(o, o + 16 * KiB)));
  let width = 1;
  while (width < leaves.length) width *= 2;
  let layer = [...leaves, ...Array(width - leaves.length).fill(Buffer.alloc(32))];
  while (layer.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(sha256(Buffer.concat([layer[i], layer[i + 1]])));
    layer = next;
  }
  return layer[0];
}

describe('PieceHasher', () => {
  it('hashes the empty file to no pieces and no root', () => {
    const h = hashFileBuffer(Buffer.alloc(0), 16 * KiB);
    expect(h).toMatchObject({ length: 0, piecesRoot: null, pieceLayer: null });
    expect(h.piecesV1.length).toBe(0);
  });

  it('matches known answers for a 1-byte file (root = SHA-256 of the byte; v1 padded to the piece)', () => {
    const h = hashFileBuffer(Buffer.from('a'), 16 * KiB);
    expect(h.piecesRoot!.toString('hex')).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    expect(h.piecesV1).toEqual(sha1(Buffer.concat([Buffer.from('a'), Buffer.alloc(16 * KiB - 1)])));
    expect(h.lastPieceV1Unpadded!.toString('hex')).toBe('86f7e437faa5a7fce15d1ddcb9eaeaea377667b8');
    expect(h.pieceLayer).toBeNull();
  });

  it('pads a single-piece file only to the next power of two of leaves', () => {
    const data = randomBytes(3 * 16 * KiB + 5); // 4 blocks in a 256 KiB piece (16 blocks)
    const h = hashFileBuffer(data, 256 * KiB);
    expect(h.piecesRoot).toEqual(referenceRoot(data));
    expect(h.pieceLayer).toBeNull();
  });

  it.each([
    ['exactly one piece', 64 * KiB],
    ['one piece plus one byte', 64 * KiB + 1],
    ['three pieces and a bit', 3 * 64 * KiB + 100],
    ['five whole pieces', 5 * 64 * KiB],
  ])('builds the BEP 52 tree for %s', (_, size) => {
    const data = randomBytes(size);
    const pl = 64 * KiB;
    const h = hashFileBuffer(data, pl);
    expect(h.piecesRoot).toEqual(referenceRoot(data));
    const pieces = Math.ceil(size / pl);
    expect(h.piecesV1.length).toBe(20 * pieces);
    if (pieces > 1) {
      expect(h.pieceLayer!.length).toBe(32 * pieces);
      // each piece-layer hash is the root of that piece's blocks padded with zero leaves to 4 blocks
      const lastStart = (pieces - 1) * pl;
      const tail = data.subarray(lastStart);
      const tailRoot = referenceRoot(Buffer.concat([tail, Buffer.alloc(0)]));
      const blocks = Math.ceil(tail.length / (16 * KiB));
      if (blocks === 4 || blocks === 1)
        expect(h.pieceLayer!.subarray(-32)).toEqual(
          blocks === 4
            ? tailRoot
            : sha256(Buffer.concat([sha256(Buffer.concat([tailRoot, Buffer.alloc(32)])), zeroSubtreeRoot(1)])),
        );
    } else {
      expect(h.pieceLayer).toBeNull();
    }
    const padded = Buffer.concat([data, Buffer.alloc(pieces * pl - size)]);
    for (let p = 0; p < pieces; p++)
      expect(h.piecesV1.subarray(p * 20, p * 20 + 20)).toEqual(sha1(padded.subarray(p * pl, (p + 1) * pl)));
  });

  it('gives the same result whatever the chunking', () => {
    const data = randomBytes(200 * KiB + 7);
    const whole = hashFileBuffer(data, 32 * KiB);
    const h = new PieceHasher(32 * KiB);
    for (let o = 0; o < data.length; o += 10_000) h.update(data.subarray(o, o + 10_000));
    expect(h.digest()).toEqual(whole);
  });

  it('combines piece ranges hashed independently (e.g. on worker threads) into the whole-file result', () => {
    const pl = 16 * KiB;
    const data = randomBytes(13 * pl + 999);
    const whole = hashFileBuffer(data, pl);
    const ranges = splitPieceRanges(data.length, pl, 3);
    expect(ranges.map((r) => r.pieceCount)).toEqual([5, 5, 4]);
    const parts = ranges.map((r) => {
      const part = new PieceHasher(pl, { firstPiece: r.firstPiece })
        .update(data.subarray(r.offset, r.offset + r.bytes))
        .digestRange();
      // what arrives from postMessage: plain Uint8Arrays
      return {
        ...part,
        piecesV1: new Uint8Array(part.piecesV1),
        pieceHashesV2: new Uint8Array(part.pieceHashesV2),
      } as never;
    });
    expect(combinePieceRanges(parts.reverse())).toEqual(whole);
  });

  it('refuses ranges with a gap', () => {
    const pl = 16 * KiB;
    const a = new PieceHasher(pl).update(Buffer.alloc(pl)).digestRange();
    const c = new PieceHasher(pl, { firstPiece: 2 }).update(Buffer.alloc(pl)).digestRange();
    expect(() => combinePieceRanges([a, c])).toThrow('expected a range starting at piece 1, got 2');
  });

  it('round-trips through JSON', () => {
    const h = hashFileBuffer(randomBytes(40 * KiB), 16 * KiB);
    expect(fileHashesFromJSON(JSON.parse(JSON.stringify(fileHashesToJSON(h))))).toEqual(h);
  });
});
