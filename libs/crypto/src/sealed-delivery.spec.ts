import { generateKeyPairSync } from 'node:crypto';
import {
  generateDeviceKeyPair,
  importDevicePrivateKey,
  importDevicePublicKey,
  importRegisteredDevicePublicKey,
} from './device-key';
import { keyCheckValue } from './key-check';
import {
  ContentKeyItem,
  PREVIEW_LICENSE_ID,
  openContentKeys,
  openPreviewKeys,
  sealContentKeys,
  sealPreviewKeys,
} from './key-set';
import { derivePieceKeys } from './piece-key';
import {
  EphemeralKey,
  SEAL_ALG,
  SealedKeySet,
  generateEphemeralKey,
  openPayload,
  sealPayload,
} from './sealed-delivery';
import { hex, vectors } from './test-vectors';

const { input, output } = vectors;
const S = input.seal;
const P = input.previewSeal;
const vectorItems: ContentKeyItem[] = S.items.map((it) => ({
  itemId: it.itemId,
  contentKey: hex(it.contentKey),
  plaintextSha256: it.plaintextSha256,
  ...(it.plaintextPieceRoot === undefined ? {} : { plaintextPieceRoot: it.plaintextPieceRoot }),
}));
const previewItems = P.items.map((it) => ({
  itemId: it.itemId,
  first: it.first,
  keys: derivePieceKeys(hex(it.contentKey), it.first, it.last),
}));
const LICENSE = '11111111-2222-4333-8444-555555555555';
const DEVICE = '66666666-7777-4888-9999-aaaaaaaaaaaa';

function flip(b64url: string, byte: number): string {
  const b = Buffer.from(b64url, 'base64url');
  b[byte] ^= 0x01;
  return b.toString('base64url');
}

describe('sealed key delivery, payload v2', () => {
  it('seals the content-key test vector byte for byte (injected ephemeral key and nonce)', () => {
    expect(importDevicePrivateKey(S.devicePrivateKey).publicKey.encoded).toBe(output.seal.devicePublicKey);
    const sealed = sealContentKeys(output.seal.devicePublicKey, S.deviceId, S.licenseId, vectorItems, {
      ephemeralPrivateKey: S.ephemeralPrivateKey,
      nonce: Buffer.from(S.nonce, 'base64url'),
    });
    expect(sealed).toEqual(output.seal.sealed);
  });

  it('opens the content-key test vector into every item content key and plaintext SHA-256', () => {
    const opened = openContentKeys(S.devicePrivateKey, S.deviceId, output.seal.sealed, S.licenseId);
    expect(opened).toEqual(vectorItems.map((it) => ({ ...it, contentKey: Buffer.from(it.contentKey) })));
    expect(openPayload(S.devicePrivateKey, S.deviceId, output.seal.sealed, S.licenseId).toString()).toBe(
      output.seal.payload,
    );
  });

  it('seals and opens the preview test vector (piece keys under licenseId and deviceId "preview")', () => {
    const sealed = sealPreviewKeys(output.previewSeal.devicePublicKey, previewItems, {
      ephemeralPrivateKey: P.ephemeralPrivateKey,
      nonce: Buffer.from(P.nonce, 'base64url'),
    });
    expect(sealed).toEqual(output.previewSeal.sealed);
    expect(output.previewSeal.aad).toBe('keyseed/v1|preview|preview');
    expect(openPreviewKeys(P.devicePrivateKey, output.previewSeal.sealed)).toEqual(
      P.items.map((it, n) => ({ itemId: it.itemId, first: it.first, last: it.last, keys: previewItems[n].keys })),
    );
  });

  it('computes the key-check values of the vectors', () => {
    for (const { contentKey, kcvHex } of output.keyCheck) expect(keyCheckValue(hex(contentKey))).toBe(kcvHex);
  });

  it('round-trips with fresh device keys, a fresh ephemeral key and nonce every time', () => {
    const dev = generateDeviceKeyPair();
    expect(dev.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dev.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const a = sealContentKeys(dev.publicKey, DEVICE, LICENSE, vectorItems);
    const b = sealContentKeys(dev.publicKey, DEVICE, LICENSE, vectorItems);
    expect(a.alg).toBe(SEAL_ALG);
    expect(a.epk).not.toBe(b.epk);
    expect(a.nonce).not.toBe(b.nonce);
    expect(openContentKeys(dev.privateKey, DEVICE, a, LICENSE).map((i) => i.contentKey)).toEqual(
      vectorItems.map((i) => Buffer.from(i.contentKey)),
    );
  });

  it('seals with an ephemeral pair made ahead, and with each pair once only', () => {
    const dev = generateDeviceKeyPair();
    const ephemeral = generateEphemeralKey();
    expect(ephemeral.used).toBe(false);
    const sealed = sealContentKeys(dev.publicKey, DEVICE, LICENSE, vectorItems, { ephemeral });
    expect(sealed.epk).toBe(ephemeral.publicRaw.toString('base64url'));
    expect(ephemeral.used).toBe(true);
    expect(openContentKeys(dev.privateKey, DEVICE, sealed, LICENSE)).toHaveLength(2);
    expect(() => sealContentKeys(dev.publicKey, DEVICE, LICENSE, vectorItems, { ephemeral })).toThrow(
      expect.objectContaining({ code: 'BAD_KEY_SET', message: expect.stringMatching(/already sealed a delivery/) }),
    );
  });

  it('computes the ephemeral public key E of the vector from its private key', () => {
    const ephemeral = new EphemeralKey(importDevicePrivateKey(S.ephemeralPrivateKey).keyObject);
    expect(ephemeral.publicRaw.toString('base64url')).toBe(output.seal.sealed.epk);
  });

  it('keeps preview and license deliveries apart', () => {
    const dev = generateDeviceKeyPair();
    const preview = sealPreviewKeys(dev.publicKey, previewItems);
    expect(openPreviewKeys(dev.privateKey, preview)).toHaveLength(1);
    expect(() => openContentKeys(dev.privateKey, DEVICE, preview, LICENSE)).toThrow(
      expect.objectContaining({ code: 'OPEN_FAILED' }),
    );
    expect(() => sealContentKeys(dev.publicKey, DEVICE, PREVIEW_LICENSE_ID, vectorItems)).toThrow(/never sealed/);
  });

  it('refuses a payload of another version or shape', () => {
    const dev = generateDeviceKeyPair();
    const v1 = sealPayload(dev.publicKey, LICENSE, DEVICE, Buffer.from(`{"v":1,"licenseId":"${LICENSE}","items":[]}`));
    expect(() => openContentKeys(dev.privateKey, DEVICE, v1, LICENSE)).toThrow(/version must be 2, got 1/);
    const pieces = sealPayload(
      dev.publicKey,
      LICENSE,
      DEVICE,
      Buffer.from(`{"v":2,"licenseId":"${LICENSE}","items":[{"itemId":"i","first":0,"keys":""}]}`),
    );
    expect(() => openContentKeys(dev.privateKey, DEVICE, pieces, LICENSE)).toThrow(/not a content key item/);
  });

  it('accepts PKCS#8 and KeyObject private keys', () => {
    const { privateKey } = generateKeyPairSync('x25519');
    const priv = importDevicePrivateKey(privateKey);
    const sealed = sealContentKeys(priv.publicKey.encoded, DEVICE, LICENSE, vectorItems);
    for (const form of [
      privateKey,
      privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      priv,
    ]) {
      expect(openContentKeys(form, DEVICE, sealed, LICENSE)).toHaveLength(2);
    }
  });

  describe('refuses to open', () => {
    const dev = generateDeviceKeyPair();
    const sealed = sealContentKeys(dev.publicKey, DEVICE, LICENSE, vectorItems);
    const open =
      (s: SealedKeySet, opts: { key?: string; device?: string; license?: string } = {}) =>
      () =>
        openContentKeys(opts.key ?? dev.privateKey, opts.device ?? DEVICE, s, opts.license ?? LICENSE);

    it('for another device id (AAD)', () =>
      expect(open(sealed, { device: 'another-device' })).toThrow(/sealed for another device or license/));
    it('for another license id (AAD)', () =>
      expect(open(sealed, { license: 'another-license' })).toThrow(/sealed for another device or license/));
    it('with another device key', () =>
      expect(open(sealed, { key: generateDeviceKeyPair().privateKey })).toThrow(
        expect.objectContaining({ code: 'OPEN_FAILED' }),
      ));
    it('with a tampered ciphertext, tag, nonce or ephemeral key', () => {
      const ctLen = Buffer.from(sealed.ciphertext, 'base64url').length;
      for (const s of [
        { ...sealed, ciphertext: flip(sealed.ciphertext, 0) },
        { ...sealed, ciphertext: flip(sealed.ciphertext, ctLen - 1) },
        { ...sealed, nonce: flip(sealed.nonce, 3) },
        { ...sealed, epk: flip(sealed.epk, 0) },
      ])
        expect(open(s)).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
    });
    it('with an unknown alg or malformed fields', () => {
      expect(open({ ...sealed, alg: 'other' as typeof SEAL_ALG })).toThrow(/alg must be X25519-HKDF-SHA256-A256GCM/);
      expect(open({ ...sealed, nonce: 'AAAA' })).toThrow(/nonce must be 12 bytes, got 3/);
      expect(open({ ...sealed, ciphertext: 'AAAA' })).toThrow(/shorter than its 16-byte tag/);
      expect(open({ ...sealed, epk: 'AAAA' })).toThrow(/epk must be 32 bytes/);
    });
  });

  describe('device public keys', () => {
    it.each([
      ['too short', Buffer.alloc(31, 9).toString('base64url'), /must be 32 bytes, got 31/],
      ['not base64url', 'x'.repeat(42) + '+', /not valid base64url/],
      ['all zero', Buffer.alloc(32).toString('base64url'), /low-order/],
      [
        'low order (order 8)',
        Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex').toString('base64url'),
        /low-order/,
      ],
      [
        'non-canonical (top bit)',
        Buffer.concat([Buffer.alloc(31, 9), Buffer.of(0x80)]).toString('base64url'),
        /not a canonical/,
      ],
    ])('rejects a key that is %s', (_what, key, message) => {
      expect(() => importDevicePublicKey(key)).toThrow(
        expect.objectContaining({ code: 'BAD_PUBLIC_KEY', message: expect.stringMatching(message) }),
      );
      expect(() => sealContentKeys(key, DEVICE, LICENSE, vectorItems)).toThrow(message);
    });

    it('canonicalises padding away', () => {
      const { publicKey } = generateDeviceKeyPair();
      expect(importDevicePublicKey(`${publicKey}=`).encoded).toBe(publicKey);
    });

    it('imports a registered key without the probe, and still seals nothing to a low-order point', () => {
      const pair = generateDeviceKeyPair();
      const registered = importRegisteredDevicePublicKey(pair.publicKey);
      expect(registered.encoded).toBe(pair.publicKey);
      expect(registered.raw).toEqual(importDevicePublicKey(pair.publicKey).raw);
      const sealed = sealContentKeys(registered, DEVICE, LICENSE, vectorItems);
      expect(openContentKeys(pair.privateKey, DEVICE, sealed, LICENSE)).toHaveLength(vectorItems.length);
      for (const low of [
        Buffer.alloc(32),
        Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
      ]) {
        const key = importRegisteredDevicePublicKey(low.toString('base64url'));
        expect(() => sealContentKeys(key, DEVICE, LICENSE, vectorItems)).toThrow(
          expect.objectContaining({ code: 'BAD_PUBLIC_KEY' }),
        );
      }
      expect(() => importRegisteredDevicePublicKey(Buffer.alloc(31).toString('base64url'))).toThrow(/must be 32 bytes/);
    });
  });

  it('refuses to seal ids containing "|", keys of the wrong size and malformed hashes', () => {
    const { publicKey } = generateDeviceKeyPair();
    expect(() => sealContentKeys(publicKey, 'a|b', LICENSE, vectorItems)).toThrow(
      /deviceId must be a non-empty string without "\|"/,
    );
    expect(() => sealPreviewKeys(publicKey, [{ itemId: 'i', first: 0, keys: Buffer.alloc(33) }])).toThrow(
      /multiple of 32 bytes, got 33/,
    );
    expect(() =>
      sealContentKeys(publicKey, DEVICE, LICENSE, [{ ...vectorItems[0], contentKey: Buffer.alloc(31) }]),
    ).toThrow(/must be 32 bytes, got 31/);
    expect(() =>
      sealContentKeys(publicKey, DEVICE, LICENSE, [{ ...vectorItems[0], plaintextSha256: 'AB'.repeat(32) }]),
    ).toThrow(/64 lowercase hex digits/);
    for (const root of ['AB'.repeat(32), 'ab'.repeat(31), ''])
      expect(() =>
        sealContentKeys(publicKey, DEVICE, LICENSE, [{ ...vectorItems[0], plaintextPieceRoot: root }]),
      ).toThrow(/plaintextPieceRoot must be 64 lowercase hex digits/);
  });

  describe('the plaintext piece root (optional)', () => {
    const dev = generateDeviceKeyPair();
    const root = 'cd'.repeat(32);

    it('is sealed after plaintextSha256 when present and left out when null', () => {
      const items = [
        { ...vectorItems[1], plaintextPieceRoot: root },
        { ...vectorItems[1], itemId: 'older', plaintextPieceRoot: null },
      ];
      const sealed = sealContentKeys(dev.publicKey, DEVICE, LICENSE, items);
      const payload = openPayload(dev.privateKey, DEVICE, sealed, LICENSE).toString();
      expect(payload).toContain(
        `"plaintextSha256":"${vectorItems[1].plaintextSha256}","plaintextPieceRoot":"${root}"}`,
      );
      expect(payload).toContain(`{"itemId":"older","contentKey":`);
      expect(payload.match(/plaintextPieceRoot/g)).toHaveLength(1);
      const opened = openContentKeys(dev.privateKey, DEVICE, sealed, LICENSE);
      expect(opened[0].plaintextPieceRoot).toBe(root);
      expect(opened[1]).not.toHaveProperty('plaintextPieceRoot');
    });

    it('is refused on open when malformed', () => {
      for (const bad of ['"' + 'AB'.repeat(32) + '"', '"' + 'ab'.repeat(33) + '"', 'null', '7']) {
        const payload = `{"v":2,"licenseId":"${LICENSE}","items":[{"itemId":"i","contentKey":"${Buffer.alloc(32).toString('base64')}","plaintextSha256":"${'e'.repeat(64)}","plaintextPieceRoot":${bad}}]}`;
        const sealed = sealPayload(dev.publicKey, LICENSE, DEVICE, [Buffer.from(payload)]);
        expect(() => openContentKeys(dev.privateKey, DEVICE, sealed, LICENSE)).toThrow(
          expect.objectContaining({
            code: 'OPEN_FAILED',
            message: expect.stringMatching(/plaintextPieceRoot must be 64 lowercase hex digits/),
          }),
        );
      }
    });
  });
});
