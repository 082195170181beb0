// The browser's key-scheme code, run in Node's WebCrypto against the committed test vectors
// (libs/crypto/test-vectors.json, computed by Python's `cryptography`, not by our code).
import {
  createCipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { vectors, hex, pattern } from '@keyseed/crypto/test-vectors';
import { decodeBase64, encodeBase64url, toHex } from './bytes';
import { deviceKeyFrom, generateDeviceKey, type DeviceKey } from './device-key';
import { UnlockError } from './errors';
import {
  assertKeyCheckValue,
  decryptPiece,
  decryptPieceInto,
  DECRYPT_CHUNK,
  derivePieceKeyBytes,
  importContentKey,
  keyCheckValue,
  pieceKey,
} from './piece-keys';
import { pieceRootOfFile, pieceSha256s, PieceRootCheck } from './piece-root';
import { openDelivery, type SealedKeySet } from './sealed-delivery';

const seal = vectors.input.seal;

async function webcryptoDevice(scalarB64url: string): Promise<DeviceKey> {
  const scalar = decodeBase64(scalarB64url)!;
  const publicKey = x25519.getPublicKey(scalar);
  const privateKey = await crypto.subtle.importKey(
    'jwk',
    { kty: 'OKP', crv: 'X25519', d: scalarB64url, x: encodeBase64url(publicKey) },
    { name: 'X25519' },
    false,
    ['deriveBits'],
  );
  return deviceKeyFrom({ kind: 'webcrypto', privateKey, publicKey });
}

function nobleDevice(scalarB64url: string): DeviceKey {
  const privateScalar = decodeBase64(scalarB64url)!;
  return deviceKeyFrom({ kind: 'noble', privateScalar, publicKey: x25519.getPublicKey(privateScalar) });
}

/** The server's seal (docs/key-scheme.md) written out with node:crypto, for payloads the vectors lack. */
function sealWithNode(devicePublic: Uint8Array, licenseId: string, deviceId: string, payload: unknown): SealedKeySet {
  const spki = (raw: Uint8Array) =>
    createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: spki(devicePublic) });
  const w = Buffer.from(hkdfSync('sha256', z, Buffer.concat([epk, devicePublic]), 'keyseed/deliver/v1', 32));
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', w, nonce);
  c.setAAD(Buffer.from(`keyseed/v1|${licenseId}|${deviceId}`));
  const ct = Buffer.concat([c.update(JSON.stringify(payload)), c.final(), c.getAuthTag()]);
  return {
    alg: 'X25519-HKDF-SHA256-A256GCM',
    epk: epk.toString('base64url'),
    nonce: nonce.toString('base64url'),
    ciphertext: ct.toString('base64url'),
  };
}

describe('browser key scheme (WebCrypto)', () => {
  it.each([
    ['WebCrypto X25519', () => webcryptoDevice(seal.devicePrivateKey)],
    ['@noble/curves fallback', async () => nobleDevice(seal.devicePrivateKey)],
  ])('opens the test-vector delivery with a %s device key', async (_name, make) => {
    const device = await make();
    expect(encodeBase64url(device.publicKey)).toBe(vectors.output.seal.devicePublicKey);
    const opened = await openDelivery(device, seal.deviceId, seal.licenseId, vectors.output.seal.sealed);
    expect(opened.version).toBe(2);
    expect(
      opened.items.map((i) =>
        i.kind === 'content' ? [i.itemId, toHex(i.contentKey), i.plaintextSha256, i.plaintextPieceRoot] : null,
      ),
    ).toEqual(seal.items.map((i) => [i.itemId, i.contentKey, i.plaintextSha256, i.plaintextPieceRoot ?? null]));
    // The vectors seal one item with a piece root and one without (items ingested before it).
    expect(seal.items.map((i) => i.plaintextPieceRoot === undefined)).toEqual([false, true]);
  });

  it('opens the test-vector preview delivery (licenseId and deviceId "preview") to the vector piece keys', async () => {
    const device = nobleDevice(seal.devicePrivateKey);
    const opened = await openDelivery(device, 'preview', 'preview', vectors.output.previewSeal.sealed);
    expect(opened.version).toBe(2);
    const [item] = opened.items;
    expect(item.kind).toBe('pieces');
    if (item.kind !== 'pieces') return;
    const ck = await importContentKey(hex(seal.items[0].contentKey));
    for (let i = 0; i < item.keys.length / 32; i++)
      expect(toHex(item.keys.subarray(i * 32, i * 32 + 32))).toBe(toHex(await derivePieceKeyBytes(ck, item.first + i)));
  });

  it('computes the key-check values of the test vectors', async () => {
    for (const { contentKey, kcvHex } of vectors.output.keyCheck) {
      const ck = await importContentKey(hex(contentKey));
      expect(toHex(await keyCheckValue(ck))).toBe(kcvHex);
      await expect(assertKeyCheckValue(ck, kcvHex, 'film.mkv')).resolves.toBeUndefined();
    }
  });

  it('refuses a delivery sealed for another device or license, naming why', async () => {
    const device = nobleDevice(seal.devicePrivateKey);
    await expect(
      openDelivery(device, seal.deviceId, 'another-license', vectors.output.seal.sealed),
    ).rejects.toMatchObject({ code: 'OPEN_FAILED', message: expect.stringMatching(/another device or license/) });
    const tampered = {
      ...vectors.output.seal.sealed,
      ciphertext: 'A' + vectors.output.seal.sealed.ciphertext.slice(1),
    };
    await expect(openDelivery(device, seal.deviceId, seal.licenseId, tampered)).rejects.toBeInstanceOf(UnlockError);
    await expect(
      openDelivery(device, seal.deviceId, seal.licenseId, { ...vectors.output.seal.sealed, epk: 'AAAA' }),
    ).rejects.toMatchObject({ code: 'OPEN_FAILED' });
  });

  it('opens payload v2: content keys with plaintext hashes, and preview piece keys', async () => {
    const device = await generateDeviceKey();
    const ck = hex(seal.items[0].contentKey);
    const sha = createHash('sha256').update('film').digest('hex');
    const licensed = await openDelivery(
      device,
      'dev-1',
      'lic-1',
      sealWithNode(device.publicKey, 'lic-1', 'dev-1', {
        v: 2,
        licenseId: 'lic-1',
        items: [{ itemId: 'item-1', contentKey: ck.toString('base64'), plaintextSha256: sha }],
      }),
    );
    expect(licensed).toEqual({
      version: 2,
      licenseId: 'lic-1',
      items: [
        {
          kind: 'content',
          itemId: 'item-1',
          contentKey: new Uint8Array(ck),
          plaintextSha256: sha,
          plaintextPieceRoot: null,
        },
      ],
    });
    for (const bad of ['AB'.repeat(32), 'ab'.repeat(31), 7, null]) {
      const sealed = sealWithNode(device.publicKey, 'lic-1', 'dev-1', {
        v: 2,
        licenseId: 'lic-1',
        items: [{ itemId: 'item-1', contentKey: ck.toString('base64'), plaintextSha256: sha, plaintextPieceRoot: bad }],
      });
      await expect(openDelivery(device, 'dev-1', 'lic-1', sealed)).rejects.toMatchObject({
        code: 'OPEN_FAILED',
        message: expect.stringMatching(/piece root is not 64 lowercase hex digits/),
      });
    }
    const preview = await openDelivery(
      device,
      'preview',
      'preview',
      sealWithNode(device.publicKey, 'preview', 'preview', {
        v: 2,
        licenseId: 'preview',
        items: [{ itemId: 'item-1', first: 0, keys: Buffer.alloc(64, 7).toString('base64') }],
      }),
    );
    expect(preview.items).toEqual([{ kind: 'pieces', itemId: 'item-1', first: 0, keys: new Uint8Array(64).fill(7) }]);
  });

  it('computes the plaintext piece root of the vectors with WebCrypto, piece by piece in any order', async () => {
    const { pieceLength, length, patternModulo } = vectors.input.pieceRoot;
    const want = vectors.output.pieceRoot;
    const plain = pattern(length, patternModulo);
    const digests = await pieceSha256s(plain, pieceLength);
    expect(Array.from({ length: digests.length / 32 }, (_, i) => toHex(digests.subarray(i * 32, i * 32 + 32)))).toEqual(
      want.pieceSha256,
    );
    // Spans come back from the workers in any order: the check files them by piece index.
    const check = new PieceRootCheck('film.mkv', want.pieceSha256.length, want.plaintextPieceRoot);
    check.add(2, await pieceSha256s(plain.subarray(2 * pieceLength), pieceLength));
    await expect(check.assertMatches()).rejects.toMatchObject({
      code: 'PLAINTEXT_MISMATCH',
      message: expect.stringMatching(/only 2 of 4 pieces were checked/),
    });
    check.add(0, await pieceSha256s(plain.subarray(0, 2 * pieceLength), pieceLength));
    await expect(check.assertMatches()).resolves.toBeUndefined();
    expect(await pieceRootOfFile(new Blob([new Uint8Array(plain)]), pieceLength)).toBe(want.plaintextPieceRoot);

    const wrong = new PieceRootCheck('film.mkv', want.pieceSha256.length, 'ab'.repeat(32));
    wrong.add(0, digests);
    await expect(wrong.assertMatches()).rejects.toMatchObject({
      code: 'PLAINTEXT_MISMATCH',
      message: expect.stringMatching(
        new RegExp(
          `^film\\.mkv: the decrypted file's piece root is ${want.plaintextPieceRoot}, the key delivery says a`,
        ),
      ),
    });
    expect(() => wrong.add(3, digests)).toThrow(RangeError);
  });

  it('derives K_i = HKDF(CK, "", "keyseed/piece/v1" ‖ u32be(i)) as the vectors say', async () => {
    const ck = await importContentKey(hex(vectors.input.wrap.contentKey));
    for (const { index, key } of vectors.output.pieceKeys)
      expect(toHex(await derivePieceKeyBytes(ck, index))).toBe(key);
  });

  it('decrypts pieces with AES-256-CTR from a zero counter, derived keys included', async () => {
    const pc = vectors.output.pieceCipher;
    const key = await crypto.subtle.importKey('raw', new Uint8Array(hex(pc.pieceKey)), 'AES-CTR', false, ['decrypt']);
    expect(toHex(await decryptPiece(key, hex(pc.ciphertext)))).toBe(pc.plaintext);

    // A 200 005-byte piece: the counter runs past 2^8 blocks; compare with the vector's ciphertext hash.
    const long = vectors.input.longPiece;
    const ck = await importContentKey(hex(vectors.input.wrap.contentKey));
    const k = (await pieceKey({ kind: 'content', contentKey: ck }, long.index))!;
    const plain = pattern(long.length, long.patternModulo);
    const cipher = createCipheriv('aes-256-ctr', hex(vectors.output.longPiece.pieceKey), Buffer.alloc(16)).update(
      plain,
    );
    expect(createHash('sha256').update(cipher).digest('hex')).toBe(vectors.output.longPiece.ciphertextSha256);
    expect(Buffer.from(await decryptPiece(k, cipher)).equals(plain)).toBe(true);
    // In place and in DECRYPT_CHUNK calls (a piece of 2.5 chunks): the counter carries on across them.
    const big = pattern(2.5 * DECRYPT_CHUNK, long.patternModulo);
    const inPlace = createCipheriv('aes-256-ctr', hex(vectors.output.longPiece.pieceKey), Buffer.alloc(16)).update(big);
    await decryptPieceInto(k, inPlace, inPlace);
    expect(inPlace.equals(big)).toBe(true);
  });

  it('checks the key-check value before anything is decrypted', async () => {
    const raw = hex(vectors.input.wrap.contentKey);
    const ck = await importContentKey(raw);
    const kcv = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'keyseed/check/v1', 32)).subarray(0, 8);
    expect(toHex(await keyCheckValue(ck))).toBe(kcv.toString('hex'));
    await expect(assertKeyCheckValue(ck, kcv.toString('hex'), 'film.mkv')).resolves.toBeUndefined();
    await expect(assertKeyCheckValue(ck, kcv.toString('base64'), 'film.mkv')).resolves.toBeUndefined();
    const other = await importContentKey(randomBytes(32));
    await expect(assertKeyCheckValue(other, kcv.toString('hex'), 'film.mkv')).rejects.toMatchObject({
      code: 'WRONG_KEY',
      message: expect.stringMatching(/^film\.mkv: the key delivered does not match/),
    });
  });

  it('keeps a WebCrypto device private key non-extractable', async () => {
    const device = await generateDeviceKey();
    expect(device.stored.kind).toBe('webcrypto');
    if (device.stored.kind === 'webcrypto') {
      expect(device.stored.privateKey.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('raw', device.stored.privateKey)).rejects.toThrow();
    }
  });
});
