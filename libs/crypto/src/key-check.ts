import { hkdfSync } from 'node:crypto';
import { assertKey } from './encoding';

export const KEY_CHECK_INFO = 'keyseed/check/v1';
export const KEY_CHECK_BYTES = 8;

/**
 * Key-check value of a content key, `KCV = first 8 bytes of HKDF-SHA256(CK, salt = empty,
 * info = "keyseed/check/v1", L = 32)`, as 16 lowercase hex digits (`kcvHex` in keyseed.json). Public:
 * it tells a client whether a delivered content key is the one the torrent was encrypted with
 * before anything is decrypted, and reveals nothing usable about CK (a one-way function of it).
 */
export function keyCheckValue(contentKey: Uint8Array): string {
  assertKey(contentKey, 32, 'content key');
  return Buffer.from(hkdfSync('sha256', contentKey, Buffer.alloc(0), KEY_CHECK_INFO, 32))
    .subarray(0, KEY_CHECK_BYTES)
    .toString('hex');
}
