// Torrent hashes, piece verification, decryption and Range answers of the browser's unlock code,
// against ciphertext and torrents made by the server's own libraries (libs/crypto, libs/torrent).
import { createHash, randomBytes } from 'node:crypto';
import { derivePieceKeys, encryptPieceInto } from '@keyseed/crypto';
import { buildTorrent, hashFileBuffer, toLegacyV1 } from '@keyseed/torrent';
import { importContentKey } from './piece-keys';
import { PieceReader, type CiphertextSource } from './piece-reader';
import { parseRange, rangeResponse } from './range-response';
import { fileHashes, type FileHashes } from './torrent-hashes';
import { verifyPiece } from './piece-verify';
import { verifiedPlaintext } from './verified-plaintext';

const L = 32 * 1024; // two 16 KiB leaves per piece: the last piece's v2 hash has a zero leaf
const SIZE = 5 * L + 20_000;
const PIECES = Math.ceil(SIZE / L);
const ck = randomBytes(32);
const plaintext = randomBytes(SIZE);
const ciphertext = Buffer.alloc(SIZE);
const keys = derivePieceKeys(ck, 0, PIECES - 1);
for (let i = 0; i < PIECES; i++) {
  const piece = plaintext.subarray(i * L, Math.min(SIZE, (i + 1) * L));
  encryptPieceInto(keys.subarray(i * 32, i * 32 + 32), piece, ciphertext.subarray(i * L));
}
const hybrid = buildTorrent({
  name: 'bundle',
  files: [
    { path: 'a-trailer.mp4', hashes: hashFileBuffer(randomBytes(3000), L) },
    { path: 'film.mkv.locked', hashes: hashFileBuffer(ciphertext, L) },
    { path: 'keyseed.json', hashes: hashFileBuffer(Buffer.from('{}'), L) },
  ],
  announce: ['http://k.example/announce'],
  webseeds: ['http://k.example/webseed/'],
  creationDate: null,
}).torrent;
const v1Only = toLegacyV1(hybrid).torrent;

const memorySource =
  (data: Uint8Array, reads: number[] = []): CiphertextSource =>
  async (start, end) => {
    reads.push(start);
    return data.slice(start, end);
  };

async function reader(hashes: FileHashes, data: Uint8Array = ciphertext, reads?: number[]): Promise<PieceReader> {
  return new PieceReader({
    path: 'film.mkv',
    hashes,
    keys: { kind: 'content', contentKey: await importContentKey(ck) },
    source: memorySource(data, reads),
  });
}

describe('torrent hashes and piece verification in the browser', () => {
  it('reads a hybrid torrent: the v2 piece layer and the v1 hashes of a padded file', () => {
    const h = fileHashes(hybrid, 'film.mkv.locked');
    expect(h).toMatchObject({ size: SIZE, pieceLength: L, pieceCount: PIECES, v1LastSpan: L });
    expect(h.pieceLayer?.length).toBe(PIECES * 32);
    expect(h.v1?.length).toBe(PIECES * 20);
    expect(() => fileHashes(hybrid, 'missing.locked')).toThrow(/no file missing\.locked/);
  });

  it.each([
    ['v2 piece layer (hybrid)', () => fileHashes(hybrid, 'film.mkv.locked')],
    ['v1 SHA-1 with the pad zeros (v1-only)', () => fileHashes(v1Only, 'film.mkv.locked')],
  ])('accepts every true ciphertext piece and refuses an altered one: %s', async (_name, load) => {
    const h = load();
    for (let i = 0; i < PIECES; i++) {
      const piece = ciphertext.subarray(i * L, Math.min(SIZE, (i + 1) * L));
      expect(await verifyPiece(h, i, piece)).toBe(true);
      const bad = Buffer.from(piece);
      bad[bad.length - 1] ^= 1;
      expect(await verifyPiece(h, i, bad)).toBe(false);
    }
    expect(await verifyPiece(h, 0, ciphertext.subarray(0, L - 1))).toBe(false);
  });
});

describe('PieceReader and the Range answers the service worker gives', () => {
  it('decrypts verified pieces back to the plaintext', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    const parts = [];
    for (let i = 0; i < PIECES; i++) parts.push(await r.piece(i));
    expect(Buffer.concat(parts).equals(plaintext)).toBe(true);
  });

  it('refuses a corrupted ciphertext piece, naming it, and decrypts nothing from it', async () => {
    const damaged = Buffer.from(ciphertext);
    damaged[3 * L + 7] ^= 0xff;
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), damaged);
    await expect(r.piece(2)).resolves.toHaveLength(L);
    await expect(r.piece(3)).rejects.toMatchObject({
      code: 'CORRUPT_PIECE',
      detail: { piece: 3 },
      message: expect.stringMatching(/^film\.mkv: piece 3 \(bytes 98304–131071\) does not match the torrent's hashes/),
    });
  });

  it('answers a Range request with 206, the exact headers and only the covering pieces fetched', async () => {
    const reads: number[] = [];
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), ciphertext, reads);
    const res = rangeResponse(r, 'bytes=70000-100000', 'video/x-matroska');
    expect(res.status).toBe(206);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-range': `bytes 70000-100000/${SIZE}`,
      'content-length': '30001',
      'content-type': 'video/x-matroska',
      'accept-ranges': 'bytes',
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(plaintext.subarray(70000, 100001))).toBe(true);
    // Pieces 2 and 3 cover the range; at most one more is read ahead.
    expect(reads.slice(0, 2)).toEqual([2 * L, 3 * L]);
    expect(reads.length).toBeLessThanOrEqual(3);
  });

  it('answers open-ended, suffix and unsatisfiable ranges like an HTTP server', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    const tail = rangeResponse(r, `bytes=${SIZE - 10}-`, 'video/mp4');
    expect(tail.headers.get('content-range')).toBe(`bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(plaintext.subarray(SIZE - 10))).toBe(true);
    expect(parseRange('bytes=-100', SIZE)).toEqual({ start: SIZE - 100, end: SIZE - 1 });
    expect(parseRange('bytes=5-2', SIZE)).toBeNull();
    expect(parseRange(null, SIZE)).toBeNull();
    const whole = rangeResponse(r, null, 'video/mp4');
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(plaintext)).toBe(true);
    expect(rangeResponse(r, `bytes=${SIZE}-`, 'video/mp4').status).toBe(416);
  });

  it('plays preview pieces and stops at the end of the preview with NO_PREVIEW', async () => {
    const r = new PieceReader({
      path: 'film.mkv',
      hashes: fileHashes(hybrid, 'film.mkv.locked'),
      keys: { kind: 'pieces', first: 0, keys: keys.subarray(0, 64) },
      source: memorySource(ciphertext),
    });
    expect(Buffer.from(await r.piece(1)).equals(plaintext.subarray(L, 2 * L))).toBe(true);
    await expect(r.piece(2)).rejects.toMatchObject({ code: 'NO_PREVIEW', detail: { piece: 2 } });
  });
});

describe('verifiedPlaintext (downloads, folder unlock)', () => {
  const sha = createHash('sha256').update(plaintext).digest('hex');
  const collect = async (gen: AsyncGenerator<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    for await (const p of gen) parts.push(p);
    return Buffer.concat(parts);
  };

  it('yields the whole plaintext in order, fetched in few requests, with progress to the end', async () => {
    const reads: number[] = [];
    const progress: number[] = [];
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), ciphertext, reads);
    const out = await collect(verifiedPlaintext(r, sha, (done) => progress.push(done)));
    expect(out.equals(plaintext)).toBe(true);
    expect(reads).toEqual([0]); // the file is smaller than one 4 MiB span
    expect(progress.at(-1)).toBe(SIZE);
  });

  it('refuses to finish when the SHA-256 from the key delivery differs, and names a corrupt piece', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    await expect(collect(verifiedPlaintext(r, 'ab'.repeat(32)))).rejects.toMatchObject({ code: 'PLAINTEXT_MISMATCH' });
    const damaged = Buffer.from(ciphertext);
    damaged[4 * L] ^= 1;
    const bad = await reader(fileHashes(hybrid, 'film.mkv.locked'), damaged);
    await expect(collect(verifiedPlaintext(bad, sha))).rejects.toMatchObject({
      code: 'CORRUPT_PIECE',
      detail: { piece: 4 },
    });
  });
});
