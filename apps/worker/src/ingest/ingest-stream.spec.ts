import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { derivePieceKey, encryptPieceInPlace, generateContentKey } from '@keyseed/crypto';
import { PieceHasher } from '@keyseed/torrent';
import { ingestStream } from './ingest-stream';
import { referencePieceRoot } from '../../../../test/helpers/plaintext-piece-root';

/** Chunks of uneven sizes, as a network body arrives. */
function chunked(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = [1, 7000, 65536, 300_001, 16384][i % 5];
    parts.push(data.subarray(at, at + n));
    at += n;
  }
  return Readable.from(parts);
}

async function check(size: number, pieceLength: number, locked: boolean) {
  const plain = randomBytes(size);
  const ck = locked ? generateContentKey() : null;
  const cipher = Buffer.from(plain);
  if (ck) {
    for (let i = 0, o = 0; o < cipher.length; i++, o += pieceLength)
      encryptPieceInPlace(derivePieceKey(ck, i), cipher.subarray(o, Math.min(o + pieceLength, cipher.length)));
  }
  const want = new PieceHasher(pieceLength).update(cipher).digest();
  let stored: Buffer | null = null;
  const fractions: number[] = [];
  const got = await ingestStream({
    source: chunked(plain),
    sink: async (s) => {
      stored = await buffer(s);
    },
    length: size,
    pieceLength,
    contentKey: ck ? Buffer.from(ck) : null,
    onProgress: (f) => fractions.push(f),
  });
  expect(got.plaintextSha256).toBe(createHash('sha256').update(plain).digest('hex'));
  expect(got.plaintextPieceRoot).toBe(locked ? referencePieceRoot(plain, pieceLength) : null);
  expect(Buffer.from(got.hashes.piecesV1).equals(want.piecesV1)).toBe(true);
  expect(got.hashes.piecesRoot?.toString('hex')).toBe(want.piecesRoot?.toString('hex'));
  expect(got.hashes.pieceLayer?.toString('hex')).toBe(want.pieceLayer?.toString('hex'));
  expect(stored!.equals(cipher)).toBe(true);
  if (size > 0) expect(fractions[fractions.length - 1]).toBe(1);
}

describe('ingestStream', () => {
  it('encrypts and hashes a streamed locked file like the reference (4 MiB pieces over 1 MiB spans)', async () => {
    await check(2 * (4 << 20) + (1 << 20) + 3 * 16384 + 5, 4 << 20, true);
  });

  it('passes a free file through with small pieces and a partial last piece', async () => {
    await check(5 * 16384 + 1, 32768, false);
  });

  it('handles one partial piece and an empty file', async () => {
    await check(3 * 16384 + 5, 1 << 20, true);
    await check(0, 16384, true);
  });

  it('fails, and fails the sink, when the upload is shorter or longer than the item', async () => {
    let sinkError: unknown = null;
    const sink = (s: Readable) => buffer(s).catch((err: unknown) => (sinkError = err));
    await expect(
      ingestStream({
        source: Readable.from([randomBytes(100)]),
        sink,
        length: 200,
        pieceLength: 16384,
        contentKey: null,
      }),
    ).rejects.toThrow(/shorter/);
    expect(sinkError).toBeTruthy();
    await expect(
      ingestStream({
        source: Readable.from([randomBytes(300)]),
        sink,
        length: 200,
        pieceLength: 16384,
        contentKey: null,
      }),
    ).rejects.toThrow(/longer/);
  });
});
