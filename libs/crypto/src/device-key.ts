import { KeyObject, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { fromBase64url, toBase64url } from './encoding';
import { CryptoError } from './errors';

/**
 * Device keys are X25519. Formats:
 * - public key: the raw 32-byte u-coordinate (RFC 7748), base64url without padding (43 chars);
 *   this is what a device registers (`Device.publicKey`) and the JWK `x` of WebCrypto.
 * - private key: the raw 32-byte scalar, base64url without padding (43 chars), i.e. the JWK `d`;
 *   `importDevicePrivateKey` also takes PKCS#8 (DER bytes or PEM) and KeyObjects.
 */
export const X25519_KEY_BYTES = 32;

const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A validated device (or ephemeral) public key in every form the protocol needs. */
export interface DevicePublicKey {
  /** Raw 32 bytes, as used in the HKDF salt `E ‖ D`. */
  readonly raw: Buffer;
  /** Canonical base64url (no padding): the form to store and compare. */
  readonly encoded: string;
  readonly keyObject: KeyObject;
}

export interface DevicePrivateKey {
  readonly keyObject: KeyObject;
  readonly publicKey: DevicePublicKey;
}

export interface DeviceKeyPair {
  /** Raw public key, base64url (register this). */
  publicKey: string;
  /** Raw private scalar, base64url (keep this secret, file mode 0600). */
  privateKey: string;
}

/** A fresh X25519 device key pair, both halves raw base64url. */
export function generateDeviceKeyPair(): DeviceKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const priv = importDevicePrivateKey(privateKey);
  return { publicKey: priv.publicKey.encoded, privateKey: toBase64url(rawPrivate(priv.keyObject)) };
}

// Any fixed scalar: X25519 with a clamped scalar (a multiple of 8) maps every low-order point to
// zero, which OpenSSL refuses, so one trial agreement detects all of them.
const PROBE = createPrivateKey({
  key: Buffer.concat([PKCS8_PREFIX, Buffer.alloc(32, 0x5a)]),
  format: 'der',
  type: 'pkcs8',
});

/**
 * Parses and validates an X25519 public key: raw 32 bytes or their base64url. Rejects the wrong
 * length, a non-canonical encoding (top bit set) and low-order points (all-zero shared secret)
 * with CryptoError 'BAD_PUBLIC_KEY'.
 */
export function importDevicePublicKey(
  input: string | Uint8Array | DevicePublicKey,
  what = 'device public key',
): DevicePublicKey {
  if (isDevicePublicKey(input)) return input;
  const raw = rawDevicePublicKey(input, what);
  let keyObject: KeyObject;
  try {
    keyObject = publicKeyObject(raw);
    diffieHellman({ privateKey: PROBE, publicKey: keyObject });
  } catch (err) {
    throw new CryptoError(
      'BAD_PUBLIC_KEY',
      `${what} is a low-order or invalid X25519 point; generate a fresh device key`,
      { cause: err },
    );
  }
  return Object.freeze({ raw, encoded: toBase64url(raw), keyObject });
}

/**
 * A device public key as stored when it was registered (`Device.publicKey`, validated then by
 * importDevicePublicKey), parsed without the probe agreement: the key-delivery hot path imports one
 * per buyer. Sealing to it still refuses a low-order point: OpenSSL fails every X25519 agreement
 * whose result is zero (the seal's own agreement included), so nothing is ever sealed to one.
 */
export function importRegisteredDevicePublicKey(encoded: string): DevicePublicKey {
  const raw = rawDevicePublicKey(encoded, 'registered device public key');
  let keyObject: KeyObject;
  try {
    keyObject = publicKeyObject(raw);
  } catch (err) {
    throw new CryptoError('BAD_PUBLIC_KEY', 'registered device public key is not an X25519 point', { cause: err });
  }
  return Object.freeze({ raw, encoded: toBase64url(raw), keyObject });
}

/** The 32 raw bytes of a public key given raw or as base64url: length and canonical form checked. */
function rawDevicePublicKey(input: string | Uint8Array, what: string): Buffer {
  const raw =
    typeof input === 'string' ? fromBase64url(input, what, 'BAD_PUBLIC_KEY', X25519_KEY_BYTES) : Buffer.from(input);
  if (raw.length !== X25519_KEY_BYTES) {
    throw new CryptoError(
      'BAD_PUBLIC_KEY',
      `${what} must be ${X25519_KEY_BYTES} raw bytes (X25519), got ${raw.length}`,
    );
  }
  if (raw[31] & 0x80) throw new CryptoError('BAD_PUBLIC_KEY', `${what} is not a canonical X25519 key (top bit set)`);
  return raw;
}

/**
 * The KeyObject of a raw X25519 public key, imported as a JWK: OpenSSL 3 imports SPKI DER through
 * its decoder framework at ≈ 300 µs a key on this project's machines, the JWK (raw) form in ≈ 18 µs.
 */
function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64url(raw) }, format: 'jwk' });
}

/**
 * Imports a device private key: raw 32-byte scalar (bytes or base64url), PKCS#8 DER bytes,
 * PKCS#8 PEM, or an X25519 KeyObject.
 */
export function importDevicePrivateKey(input: string | Uint8Array | KeyObject): DevicePrivateKey {
  let keyObject: KeyObject;
  try {
    if (input instanceof KeyObject) keyObject = input;
    else if (typeof input === 'string' && input.trimStart().startsWith('-----BEGIN'))
      keyObject = createPrivateKey(input);
    else {
      const bytes =
        typeof input === 'string'
          ? fromBase64url(input.trim(), 'device private key', 'BAD_PRIVATE_KEY', X25519_KEY_BYTES)
          : Buffer.from(input);
      const der = bytes.length === X25519_KEY_BYTES ? Buffer.concat([PKCS8_PREFIX, bytes]) : bytes;
      keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError(
      'BAD_PRIVATE_KEY',
      'device private key is neither a raw 32-byte X25519 scalar (base64url) nor PKCS#8',
      { cause: err },
    );
  }
  if (keyObject.type !== 'private' || keyObject.asymmetricKeyType !== 'x25519') {
    throw new CryptoError(
      'BAD_PRIVATE_KEY',
      `device private key must be an X25519 private key, got ${keyObject.asymmetricKeyType ?? keyObject.type}`,
    );
  }
  const pubDer = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  const publicKey = importDevicePublicKey(pubDer.subarray(SPKI_PREFIX.length));
  return Object.freeze({ keyObject, publicKey });
}

/** Raw 32-byte public key of an X25519 private (or public) KeyObject, without validation. */
export function rawPublicKeyOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function rawPrivate(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
}

function isDevicePublicKey(v: unknown): v is DevicePublicKey {
  return typeof v === 'object' && v !== null && 'keyObject' in v && 'raw' in v && 'encoded' in v;
}
