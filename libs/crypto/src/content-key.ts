import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { assertKey } from './encoding';
import { CryptoError } from './errors';
import { Keyring } from './keyring';

/**
 * Stored form of a wrapped content key (`Item.wrappedKey`), 61 bytes:
 *
 *     version (1 byte, 0x01) | nonce (12) | AES-256-GCM ciphertext of CK (32) | GCM tag (16)
 *
 * under the KEK whose id is stored separately in `Item.kekId`, with AAD = item id (UTF-8).
 * The version byte is not authenticated by GCM; a change of layout gets a new value.
 */
export const WRAPPED_KEY_VERSION = 0x01;
export const WRAP_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const CONTENT_KEY_BYTES = 32;
export const WRAPPED_KEY_BYTES = 1 + WRAP_NONCE_BYTES + CONTENT_KEY_BYTES + GCM_TAG_BYTES;

/** A wrapped content key as stored: the two `Item` columns. */
export interface WrappedContentKey {
  wrappedKey: Buffer;
  kekId: string;
}

/** A fresh content key: 32 random bytes (one per locked item per ingest). */
export function generateContentKey(): Buffer {
  return randomBytes(CONTENT_KEY_BYTES);
}

/**
 * Wraps `contentKey` under the keyring's current KEK, AAD = `itemId`.
 * `nonce` is for test vectors only; production calls leave it out (12 random bytes).
 */
export function wrapContentKey(
  keyring: Keyring,
  itemId: string,
  contentKey: Uint8Array,
  nonce?: Uint8Array,
): WrappedContentKey {
  assertKey(contentKey, CONTENT_KEY_BYTES, 'content key');
  assertItemId(itemId);
  const iv = nonce ?? randomBytes(WRAP_NONCE_BYTES);
  assertKey(iv, WRAP_NONCE_BYTES, 'wrap nonce');
  const kek = keyring.current;
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
  cipher.setAAD(Buffer.from(itemId, 'utf8'));
  const ct = Buffer.concat([cipher.update(contentKey), cipher.final()]);
  const wrappedKey = Buffer.concat([Buffer.of(WRAPPED_KEY_VERSION), iv, ct, cipher.getAuthTag()]);
  return { wrappedKey, kekId: kek.id };
}

/**
 * Unwraps a stored content key. Throws CryptoError 'UNKNOWN_KEK' when `kekId` is not configured,
 * 'UNWRAP_FAILED' for a wrong KEK, a wrong item id, a malformed or a tampered value.
 */
export function unwrapContentKey(keyring: Keyring, itemId: string, wrappedKey: Uint8Array, kekId: string): Buffer {
  assertItemId(itemId);
  const kek = keyring.get(kekId);
  if (wrappedKey.byteLength !== WRAPPED_KEY_BYTES || wrappedKey[0] !== WRAPPED_KEY_VERSION) {
    throw new CryptoError(
      'UNWRAP_FAILED',
      `wrapped key of item ${itemId} is malformed: expected ${WRAPPED_KEY_BYTES} bytes starting with version ${WRAPPED_KEY_VERSION}, got ${wrappedKey.byteLength} bytes, version ${wrappedKey[0]}`,
    );
  }
  const buf = Buffer.from(wrappedKey.buffer, wrappedKey.byteOffset, wrappedKey.byteLength);
  const iv = buf.subarray(1, 1 + WRAP_NONCE_BYTES);
  const ct = buf.subarray(1 + WRAP_NONCE_BYTES, 1 + WRAP_NONCE_BYTES + CONTENT_KEY_BYTES);
  const tag = buf.subarray(WRAPPED_KEY_BYTES - GCM_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', kek.key, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(Buffer.from(itemId, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch (err) {
    throw new CryptoError(
      'UNWRAP_FAILED',
      `wrapped key of item ${itemId} does not open under KEK ${kekId}: wrong item id, or the value or its kekId was altered`,
      { cause: err },
    );
  }
}

/**
 * Key rotation: unwraps under whichever configured KEK `kekId` names and wraps again under the
 * keyring's current KEK with a fresh nonce. Store both returned columns together.
 */
export function rewrapContentKey(
  keyring: Keyring,
  itemId: string,
  wrappedKey: Uint8Array,
  kekId: string,
): WrappedContentKey {
  const ck = unwrapContentKey(keyring, itemId, wrappedKey, kekId);
  try {
    return wrapContentKey(keyring, itemId, ck);
  } finally {
    ck.fill(0);
  }
}

function assertItemId(itemId: string): void {
  if (typeof itemId !== 'string' || itemId === '')
    throw new CryptoError('BAD_KEY', 'item id (the wrap AAD) must be a non-empty string');
}
