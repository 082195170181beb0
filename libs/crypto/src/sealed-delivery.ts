import {
  KeyObject,
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import {
  DevicePrivateKey,
  DevicePublicKey,
  importDevicePrivateKey,
  importDevicePublicKey,
  rawPublicKeyOf,
} from './device-key';
import { assertKey, fromBase64url, toBase64url } from './encoding';
import { CryptoError } from './errors';
import { MAX_PIECE_INDEX, PIECE_KEY_BYTES } from './piece-key';

/**
 * Sealed delivery of piece keys to a device (docs/key-scheme.md):
 *
 *     (e, E) fresh X25519;  Z = X25519(e, D)
 *     W = HKDF-SHA256(ikm = Z, salt = E ‖ D (raw 32-byte keys), info = "keyseed/deliver/v1", L = 32)
 *     ciphertext = AES-256-GCM(W, nonce 12 random bytes, AAD = "keyseed/v1|" ‖ licenseId ‖ "|" ‖ deviceId, payload)
 *     payload = JSON {"v":1,"licenseId":…,"items":[{"itemId":…,"first":…,"keys":base64(K_first ‖ … ‖ K_last)}]}
 *
 * Wire form `SealedKeySet`: every field base64url without padding; `ciphertext` is the GCM
 * ciphertext followed by its 16-byte tag (the layout WebCrypto's AES-GCM produces and expects).
 * `keys` inside the payload is standard base64 (with padding). Previews use licenseId "preview".
 */
export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';
export const DELIVER_INFO = 'keyseed/deliver/v1';
export const PREVIEW_LICENSE_ID = 'preview';
export const SEAL_NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedKeySet {
  alg: typeof SEAL_ALG;
  /** Ephemeral public key E, raw 32 bytes, base64url. */
  epk: string;
  /** GCM nonce, 12 bytes, base64url. */
  nonce: string;
  /** GCM ciphertext ‖ 16-byte tag, base64url. */
  ciphertext: string;
}

/** Keys of pieces `first … first + keys.length/32 - 1` of one item. */
export interface KeySetItem {
  itemId: string;
  first: number;
  /** `K_first ‖ … ‖ K_last`, 32 bytes each (as `derivePieceKeys` returns). */
  keys: Uint8Array;
}

export interface KeySet {
  /** The license id, or `PREVIEW_LICENSE_ID` for preview keys. */
  licenseId: string;
  items: readonly KeySetItem[];
}

export interface OpenedKeySetItem {
  itemId: string;
  first: number;
  /** Inclusive. */
  last: number;
  keys: Buffer;
}

export interface OpenedKeySet {
  licenseId: string;
  items: OpenedKeySetItem[];
}

/**
 * Test vectors only: fix the ephemeral private key (raw 32 bytes or base64url) and the nonce so the
 * seal is deterministic. Production callers never pass these.
 */
export interface SealTestOnly {
  ephemeralPrivateKey?: Uint8Array | string;
  nonce?: Uint8Array;
}

/** The AAD binding a sealed key set to a license (or "preview") and a device. */
export function deliveryAad(licenseId: string, deviceId: string): Buffer {
  return Buffer.from(`keyseed/v1|${licenseId}|${deviceId}`, 'utf8');
}

/** Seals `keySet` to device public key `devicePublicKey` (raw bytes, base64url, or imported). */
export function sealKeySet(
  devicePublicKey: string | Uint8Array | DevicePublicKey,
  deviceId: string,
  keySet: KeySet,
  testOnly?: SealTestOnly,
): SealedKeySet {
  const device = importDevicePublicKey(devicePublicKey);
  assertAadPart(deviceId, 'deviceId', 'BAD_KEY_SET');
  assertAadPart(keySet.licenseId, 'licenseId', 'BAD_KEY_SET');
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      licenseId: keySet.licenseId,
      items: keySet.items.map((it) => {
        validateItem(it.itemId, it.first, it.keys.byteLength, 'BAD_KEY_SET');
        return {
          itemId: it.itemId,
          first: it.first,
          keys: Buffer.from(it.keys.buffer, it.keys.byteOffset, it.keys.byteLength).toString('base64'),
        };
      }),
    }),
    'utf8',
  );

  const eph =
    testOnly?.ephemeralPrivateKey !== undefined
      ? importDevicePrivateKey(testOnly.ephemeralPrivateKey).keyObject
      : generateKeyPairSync('x25519').privateKey;
  const epk = rawPublicKeyOf(eph);
  const nonce = testOnly?.nonce ?? randomBytes(SEAL_NONCE_BYTES);
  assertKey(nonce, SEAL_NONCE_BYTES, 'seal nonce');

  const w = wrappingKey(eph, epk, device, 'BAD_PUBLIC_KEY');
  const cipher = createCipheriv('aes-256-gcm', w, nonce);
  cipher.setAAD(deliveryAad(keySet.licenseId, deviceId));
  const ct = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  w.fill(0);
  return { alg: SEAL_ALG, epk: toBase64url(epk), nonce: toBase64url(nonce), ciphertext: toBase64url(ct) };
}

/**
 * Opens a sealed key set on the device (client side). `licenseId` is the license the client asked
 * keys for (or "preview"); together with `deviceId` it forms the AAD, so a box sealed for another
 * license or device does not open. Throws CryptoError 'OPEN_FAILED' with the reason.
 */
export function openKeySet(
  devicePrivateKey: string | Uint8Array | KeyObject | DevicePrivateKey,
  deviceId: string,
  sealed: SealedKeySet,
  licenseId: string,
): OpenedKeySet {
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
  let payload: Buffer;
  try {
    payload = Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set does not open for license ${licenseId} on device ${deviceId}: sealed for another device or license, or altered`,
      { cause: err },
    );
  } finally {
    w.fill(0);
  }
  return parsePayload(payload, licenseId);
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

function parsePayload(payload: Buffer, licenseId: string): OpenedKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new CryptoError('OPEN_FAILED', 'sealed key set payload is not JSON', { cause: err });
  }
  const p = doc as { v?: unknown; licenseId?: unknown; items?: unknown };
  if (typeof p !== 'object' || p === null || p.v !== 1)
    throw new CryptoError('OPEN_FAILED', `sealed key set payload version must be 1, got ${JSON.stringify(p?.v)}`);
  if (p.licenseId !== licenseId)
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set is for license ${JSON.stringify(p.licenseId)}, expected ${JSON.stringify(licenseId)}`,
    );
  if (!Array.isArray(p.items)) throw new CryptoError('OPEN_FAILED', 'sealed key set payload has no items array');
  const items = p.items.map((raw: unknown, n: number): OpenedKeySetItem => {
    const it = raw as { itemId?: unknown; first?: unknown; keys?: unknown };
    if (
      typeof it !== 'object' ||
      it === null ||
      typeof it.keys !== 'string' ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(it.keys)
    ) {
      throw new CryptoError('OPEN_FAILED', `sealed key set item ${n} is malformed`);
    }
    const keys = Buffer.from(it.keys, 'base64');
    const first = it.first as number;
    validateItem(it.itemId, first, keys.length, 'OPEN_FAILED');
    return { itemId: it.itemId as string, first, last: first + keys.length / PIECE_KEY_BYTES - 1, keys };
  });
  return { licenseId, items };
}

function validateItem(itemId: unknown, first: unknown, keyBytes: number, code: 'BAD_KEY_SET' | 'OPEN_FAILED'): void {
  if (typeof itemId !== 'string' || itemId === '') throw new CryptoError(code, 'key set item needs a non-empty itemId');
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0)
    throw new CryptoError(code, `key set item ${itemId}: first must be a non-negative integer, got ${String(first)}`);
  if (keyBytes === 0 || keyBytes % PIECE_KEY_BYTES !== 0)
    throw new CryptoError(
      code,
      `key set item ${itemId}: keys must be a non-empty multiple of ${PIECE_KEY_BYTES} bytes, got ${keyBytes}`,
    );
  if (first + keyBytes / PIECE_KEY_BYTES - 1 > MAX_PIECE_INDEX)
    throw new CryptoError(code, `key set item ${itemId}: piece range passes ${MAX_PIECE_INDEX}`);
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
