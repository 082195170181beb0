import {
  KeyObject,
  createCipheriv,
  createPublicKey,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { DevicePrivateKey, DevicePublicKey, importDevicePrivateKey, importDevicePublicKey } from './device-key';
import { assertKey, fromBase64url, toBase64url } from './encoding';
import { CryptoError } from './errors';

/**
 * Sealed delivery of a payload to a device (docs/key-scheme.md):
 *
 *     (e, E) fresh X25519;  Z = X25519(e, D)
 *     W = HKDF-SHA256(ikm = Z, salt = E ‖ D (raw 32-byte keys), info = "keyseed/deliver/v1", L = 32)
 *     ciphertext = AES-256-GCM(W, nonce 12 random bytes, AAD = "keyseed/v1|" ‖ licenseId ‖ "|" ‖ deviceId, payload)
 *
 * Wire form `SealedKeySet`: every field base64url without padding; `ciphertext` is the GCM
 * ciphertext followed by its 16-byte tag (the layout WebCrypto's AES-GCM produces and expects).
 * What the payload holds (payload v2) is in key-set.ts.
 */
export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';
export const DELIVER_INFO = 'keyseed/deliver/v1';
export const SEAL_NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The X25519 base point (u = 9): X25519(k, 9) is the public key of k. */
const BASE_POINT = createPublicKey({
  key: { kty: 'OKP', crv: 'X25519', x: Buffer.concat([Buffer.of(9), Buffer.alloc(31)]).toString('base64url') },
  format: 'jwk',
});

export interface SealedKeySet {
  alg: typeof SEAL_ALG;
  /** Ephemeral public key E, raw 32 bytes, base64url. */
  epk: string;
  /** GCM nonce, 12 bytes, base64url. */
  nonce: string;
  /** GCM ciphertext ‖ 16-byte tag, base64url. */
  ciphertext: string;
}

/**
 * An ephemeral X25519 pair (e, E) for exactly one seal, made ahead of it (EphemeralKeyPool) or by
 * the seal itself. The seal that uses it takes e and the pair forgets it; a second seal with the
 * same pair throws, so no two deliveries ever share an ephemeral key.
 */
export class EphemeralKey {
  /** E, raw 32 bytes. */
  readonly publicRaw: Buffer;
  private privateKey: KeyObject | null;

  constructor(privateKey: KeyObject) {
    // E = X25519(e, 9), the base point: an agreement, not an export. Node 20 holds a freshly
    // generated key's lock while an export allocates its result; a garbage collection in that
    // allocation that frees the key-generation job locks it again, and the process hung for good
    // (BENCHMARKS.md, premiere, session 7). An agreement allocates its result after releasing the locks.
    this.publicRaw = diffieHellman({ privateKey, publicKey: BASE_POINT });
    this.privateKey = privateKey;
  }

  /** Whether a seal has taken this pair's private key. */
  get used(): boolean {
    return this.privateKey === null;
  }

  /** e, once: the pair keeps no reference to it afterwards (OpenSSL clears the scalar when the key is freed). */
  take(): KeyObject {
    const key = this.privateKey;
    if (!key) throw new CryptoError('BAD_KEY_SET', 'this ephemeral key already sealed a delivery: each seals one');
    this.privateKey = null;
    return key;
  }
}

/** A fresh ephemeral pair: two X25519 scalar multiplications (key generation and E). */
export function generateEphemeralKey(): EphemeralKey {
  return new EphemeralKey(generateKeyPairSync('x25519').privateKey);
}

export interface SealOptions {
  /** A pair made ahead (EphemeralKeyPool.take); without it the seal generates one. Used up by this seal. */
  ephemeral?: EphemeralKey;
  /**
   * Test vectors only: a fixed ephemeral private key (raw 32 bytes, base64url or a KeyObject) and
   * nonce, so the seal is deterministic. Production callers never pass these.
   */
  ephemeralPrivateKey?: Uint8Array | string | KeyObject;
  nonce?: Uint8Array;
}

/** The AAD binding a sealed key set to a license (or "preview") and a device. */
export function deliveryAad(licenseId: string, deviceId: string): Buffer {
  return Buffer.from(`keyseed/v1|${licenseId}|${deviceId}`, 'utf8');
}

/**
 * Seals `payload` (bytes, or chunks encrypted in order) to device public key `device` for
 * `licenseId`/`deviceId`, with a fresh nonce and an ephemeral pair used for this seal only
 * (`options.ephemeral`, made ahead, or one generated here).
 */
export function sealPayload(
  devicePublicKey: string | Uint8Array | DevicePublicKey,
  licenseId: string,
  deviceId: string,
  payload: Uint8Array | readonly Uint8Array[],
  options?: SealOptions,
): SealedKeySet {
  const device = importDevicePublicKey(devicePublicKey);
  assertAadPart(deviceId, 'deviceId', 'BAD_KEY_SET');
  assertAadPart(licenseId, 'licenseId', 'BAD_KEY_SET');
  const ephemeral =
    options?.ephemeral ??
    (options?.ephemeralPrivateKey === undefined
      ? generateEphemeralKey()
      : new EphemeralKey(
          options.ephemeralPrivateKey instanceof KeyObject
            ? options.ephemeralPrivateKey
            : importDevicePrivateKey(options.ephemeralPrivateKey).keyObject,
        ));
  const eph = ephemeral.take();
  const epkRaw = ephemeral.publicRaw;
  const epk = toBase64url(epkRaw);
  const nonce = options?.nonce ?? randomBytes(SEAL_NONCE_BYTES);
  assertKey(nonce, SEAL_NONCE_BYTES, 'seal nonce');

  const w = wrappingKey(eph, epkRaw, device, 'BAD_PUBLIC_KEY');
  const cipher = createCipheriv('aes-256-gcm', w, nonce);
  w.fill(0);
  cipher.setAAD(deliveryAad(licenseId, deviceId));
  const chunks = payload instanceof Uint8Array ? [payload] : payload;
  const parts = chunks.map((chunk) => cipher.update(chunk));
  parts.push(cipher.final(), cipher.getAuthTag());
  return { alg: SEAL_ALG, epk, nonce: toBase64url(nonce), ciphertext: toBase64url(Buffer.concat(parts)) };
}

/**
 * Opens a sealed payload on the device (client side). `licenseId` is the license the client asked
 * keys for (or "preview"); together with `deviceId` it forms the AAD, so a box sealed for another
 * license or device does not open. Throws CryptoError 'OPEN_FAILED' with the reason.
 */
export function openPayload(
  devicePrivateKey: string | Uint8Array | KeyObject | DevicePrivateKey,
  deviceId: string,
  sealed: SealedKeySet,
  licenseId: string,
): Buffer {
  const device = isDevicePrivateKey(devicePrivateKey) ? devicePrivateKey : importDevicePrivateKey(devicePrivateKey);
  if (sealed === null || typeof sealed !== 'object')
    throw new CryptoError('OPEN_FAILED', 'sealed key set must be an object');
  if ((sealed.alg as unknown) !== SEAL_ALG)
    throw new CryptoError('OPEN_FAILED', `sealed key set alg must be ${SEAL_ALG}, got ${JSON.stringify(sealed.alg)}`);
  assertAadPart(deviceId, 'deviceId', 'OPEN_FAILED');
  assertAadPart(licenseId, 'licenseId', 'OPEN_FAILED');
  let epk: DevicePublicKey;
  try {
    epk = importDevicePublicKey(sealed.epk, 'sealed key set epk');
  } catch (err) {
    throw new CryptoError('OPEN_FAILED', (err as Error).message, { cause: err });
  }
  const nonce = fromBase64url(sealed.nonce, 'sealed key set nonce', 'OPEN_FAILED', SEAL_NONCE_BYTES);
  const ct = fromBase64url(sealed.ciphertext, 'sealed key set ciphertext', 'OPEN_FAILED');
  if (ct.length < TAG_BYTES)
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set ciphertext is ${ct.length} bytes, shorter than its ${TAG_BYTES}-byte tag`,
    );

  // Z = X25519(d, E); salt is still E ‖ D with D our own public key.
  const w = wrappingKey(device.keyObject, epk.raw, device.publicKey, 'OPEN_FAILED', epk);
  const decipher = createDecipheriv('aes-256-gcm', w, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(deliveryAad(licenseId, deviceId));
  decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set does not open for license ${licenseId} on device ${deviceId}: sealed for another device or license, or altered`,
      { cause: err },
    );
  } finally {
    w.fill(0);
  }
}

/**
 * W = HKDF(Z, salt = E ‖ D, info, 32). On the server `ownPrivate` is e and the peer is D; on the
 * device `ownPrivate` is d and `peer` is E, but the salt is always E ‖ D.
 */
function wrappingKey(
  ownPrivate: KeyObject,
  ephemeralRaw: Buffer,
  device: DevicePublicKey,
  code: 'BAD_PUBLIC_KEY' | 'OPEN_FAILED',
  peer: DevicePublicKey = device,
): Buffer {
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey: ownPrivate, publicKey: peer.keyObject });
  } catch (err) {
    throw new CryptoError(code, 'X25519 agreement failed (low-order key)', { cause: err });
  }
  const w = Buffer.from(hkdfSync('sha256', z, Buffer.concat([ephemeralRaw, device.raw]), DELIVER_INFO, 32));
  z.fill(0);
  return w;
}

function assertAadPart(value: unknown, what: string, code: 'BAD_KEY_SET' | 'OPEN_FAILED'): void {
  if (typeof value !== 'string' || value === '' || value.includes('|')) {
    throw new CryptoError(code, `${what} must be a non-empty string without "|", got ${JSON.stringify(value)}`);
  }
}

function isDevicePrivateKey(v: unknown): v is DevicePrivateKey {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof KeyObject) &&
    !(v instanceof Uint8Array) &&
    'keyObject' in v &&
    'publicKey' in v
  );
}
