import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivePieceKey, encryptPieceInPlace, generateContentKey } from '@keyseed/crypto';
import { PieceHasher } from '@keyseed/torrent';
import { ingestFile, INLINE_BELOW_BYTES } from './ingest-file';
import { referencePieceRoot } from '../../../../test/helpers/plaintext-piece-root';

const dir = mkdtempSync(join(tmpdir(), 'ks-ingest-file-'));

/** What ingest must produce, computed the slow obvious way with the libs. */
function reference(plain: Buffer, pieceLength: number, ck: Buffer | null) {
  const cipher = Buffer.from(plain);
  if (ck) {
    for (let i = 0, o = 0; o < cipher.length; i++, o += pieceLength) {
      encryptPieceInPlace(derivePieceKey(ck, i), cipher.subarray(o, Math.min(o + pieceLength, cipher.length)));
    }
  }
  return {
    cipher,
    hashes: new PieceHasher(pieceLength).update(cipher).digest(),
    sha256: createHash('sha256').update(plain).digest('hex'),
  };
}

async function check(name: string, size: number, pieceLength: number, locked: boolean, threads = 2) {
  const plain = randomBytes(size);
  const uploadPath = join(dir, `${name}.in`);
  const stagingPath = join(dir, `${name}.out`);
  writeFileSync(uploadPath, plain);
  const ck = locked ? generateContentKey() : null;
  const fractions: number[] = [];
  const got = await ingestFile({
    uploadPath,
    stagingPath,
    length: size,
    pieceLength,
    contentKey: ck,
    threads,
    onProgress: (f) => fractions.push(f),
  });
  const want = reference(plain, pieceLength, ck);
  expect(got.plaintextSha256).toBe(want.sha256);
  // Locked items only: a free item's plaintext is public and never sealed.
  expect(got.plaintextPieceRoot).toBe(locked ? referencePieceRoot(plain, pieceLength) : null);
  expect(got.hashes.length).toBe(size);
  expect(Buffer.from(got.hashes.piecesV1).equals(want.hashes.piecesV1)).toBe(true);
  expect(got.hashes.piecesRoot?.toString('hex')).toBe(want.hashes.piecesRoot?.toString('hex'));
  expect(got.hashes.pieceLayer?.toString('hex')).toBe(want.hashes.pieceLayer?.toString('hex'));
  expect(readFileSync(stagingPath).equals(want.cipher)).toBe(true);
  if (size > 0) expect(fractions[fractions.length - 1]).toBe(1);
}

describe('ingestFile', () => {
  it('encrypts and hashes a multi-piece locked file on worker threads like the reference', async () => {
    await check('threads', INLINE_BELOW_BYTES + 3 * 65536 + 777, 1 << 20, true, 3);
  });

  it('hashes a free file inline (bytes pass through) with a partial last piece', async () => {
    await check('free', 5 * 16384 + 1, 32768, false);
  });

  it('reads pieces larger than its 1 MiB span in steps (4 MiB pieces, last piece partial over two spans)', async () => {
    await check('big-pieces', 2 * (4 << 20) + (1 << 20) + 3 * 16384 + 5, 4 << 20, true);
  });

  it('handles a single partial piece (pieces root over the next power of two of leaves)', async () => {
    await check('one-piece', 3 * 16384 + 5, 1 << 20, true);
  });

  it('handles a 1-byte and a 0-byte file', async () => {
    await check('one-byte', 1, 16384, true);
    await check('empty', 0, 16384, true);
  });
});
