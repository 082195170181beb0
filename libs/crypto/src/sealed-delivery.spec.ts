import { generateKeyPairSync } from 'node:crypto';
import { generateDeviceKeyPair, importDevicePrivateKey, importDevicePublicKey } from './device-key';
import { derivePieceKeys } from './piece-key';
import { PREVIEW_LICENSE_ID, SEAL_ALG, SealedKeySet, openKeySet, sealKeySet } from './sealed-delivery';
import { hex, vectors } from './test-vectors';

const { input, output } = vectors;
const S = input.seal;
const vectorItems = S.items.map((it) => ({
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

describe('sealed key delivery', () => {
  it('seals the test vector byte for byte (injected ephemeral key and nonce)', () => {
    expect(importDevicePrivateKey(S.devicePrivateKey).publicKey.encoded).toBe(output.seal.devicePublicKey);
    const sealed = sealKeySet(
      output.seal.devicePublicKey,
      S.deviceId,
      { licenseId: S.licenseId, items: vectorItems },
      {
        ephemeralPrivateKey: S.ephemeralPrivateKey,
        nonce: Buffer.from(S.nonce, 'base64url'),
      },
    );
    expect(sealed).toEqual(output.seal.sealed);
  });

  it('opens the test vector into typed items with Buffers', () => {
    const opened = openKeySet(S.devicePrivateKey, S.deviceId, output.seal.sealed, S.licenseId);
    expect(opened.licenseId).toBe(S.licenseId);
    expect(opened.items).toEqual(
      S.items.map((it, n) => ({ itemId: it.itemId, first: it.first, last: it.last, keys: vectorItems[n].keys })),
    );
    expect(JSON.parse(output.seal.payload).items[0].keys).toBe(vectorItems[0].keys.toString('base64'));
  });

  it('round-trips with fresh device keys, a fresh ephemeral key and nonce every time', () => {
    const dev = generateDeviceKeyPair();
    expect(dev.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dev.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const keySet = { licenseId: LICENSE, items: vectorItems };
    const a = sealKeySet(dev.publicKey, DEVICE, keySet);
    const b = sealKeySet(dev.publicKey, DEVICE, keySet);
    expect(a.alg).toBe(SEAL_ALG);
    expect(a.epk).not.toBe(b.epk);
    expect(a.nonce).not.toBe(b.nonce);
    expect(openKeySet(dev.privateKey, DEVICE, a, LICENSE).items.map((i) => i.keys)).toEqual(
      vectorItems.map((i) => i.keys),
    );
  });

  it('seals preview keys under licenseId "preview"', () => {
    const dev = generateDeviceKeyPair();
    const sealed = sealKeySet(dev.publicKey, DEVICE, { licenseId: PREVIEW_LICENSE_ID, items: vectorItems.slice(1) });
    expect(openKeySet(dev.privateKey, DEVICE, sealed, PREVIEW_LICENSE_ID).items).toHaveLength(1);
    expect(() => openKeySet(dev.privateKey, DEVICE, sealed, LICENSE)).toThrow(
      expect.objectContaining({ code: 'OPEN_FAILED' }),
    );
  });

  it('accepts PKCS#8 and KeyObject private keys', () => {
    const { privateKey } = generateKeyPairSync('x25519');
    const priv = importDevicePrivateKey(privateKey);
    const sealed = sealKeySet(priv.publicKey.encoded, DEVICE, { licenseId: LICENSE, items: vectorItems });
    for (const form of [
      privateKey,
      privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      priv,
    ]) {
      expect(openKeySet(form, DEVICE, sealed, LICENSE).items).toHaveLength(2);
    }
  });

  describe('refuses to open', () => {
    const dev = generateDeviceKeyPair();
    const sealed = sealKeySet(dev.publicKey, DEVICE, { licenseId: LICENSE, items: vectorItems });
    const open =
      (s: SealedKeySet, opts: { key?: string; device?: string; license?: string } = {}) =>
      () =>
        openKeySet(opts.key ?? dev.privateKey, opts.device ?? DEVICE, s, opts.license ?? LICENSE);

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
      expect(() => sealKeySet(key, DEVICE, { licenseId: LICENSE, items: vectorItems })).toThrow(message);
    });

    it('canonicalises padding away', () => {
      const { publicKey } = generateDeviceKeyPair();
      expect(importDevicePublicKey(`${publicKey}=`).encoded).toBe(publicKey);
    });
  });

  it('refuses to seal ids containing "|" and key buffers that are not whole keys', () => {
    const { publicKey } = generateDeviceKeyPair();
    expect(() => sealKeySet(publicKey, 'a|b', { licenseId: LICENSE, items: vectorItems })).toThrow(
      /deviceId must be a non-empty string without "\|"/,
    );
    expect(() =>
      sealKeySet(publicKey, DEVICE, { licenseId: LICENSE, items: [{ itemId: 'i', first: 0, keys: Buffer.alloc(33) }] }),
    ).toThrow(/multiple of 32 bytes, got 33/);
  });
});
