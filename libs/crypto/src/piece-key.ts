import { createHmac, hkdfSync } from 'node:crypto';
import { assertKey } from './encoding';
import { CryptoError } from './errors';

export const PIECE_KEY_BYTES = 32;
export const PIECE_KEY_INFO = 'keyseed/piece/v1';
/** Largest piece index: `u32be(i)` must fit in 4 bytes. */
export const MAX_PIECE_INDEX = 0xffff_ffff;

const INFO = Buffer.from(PIECE_KEY_INFO, 'latin1');
const EMPTY = Buffer.alloc(0);

/**
 * `K_i = HKDF-SHA256(ikm = CK, salt = empty, info = "keyseed/piece/v1" ‖ u32be(i), L = 32)`
 * (docs/key-scheme.md), for one piece `i` (0-based within the item).
 */
export function derivePieceKey(contentKey: Uint8Array, index: number): Buffer {
  assertKey(contentKey, 32, 'content key');
  assertIndex(index, 'piece index');
  const info = Buffer.allocUnsafe(INFO.length + 4);
  INFO.copy(info);
  info.writeUInt32BE(index, INFO.length);
  return Buffer.from(hkdfSync('sha256', contentKey, EMPTY, info, PIECE_KEY_BYTES));
}

/**
 * Piece keys `K_first ‖ … ‖ K_last` (inclusive) as one Buffer of 32 × n bytes; key `i` is at
 * `(i - first) * 32`. Same values as `derivePieceKey`, computed as RFC 5869 spells out for L = 32:
 * `PRK = HMAC(salt = 32 zero bytes, CK)` once, then `K_i = HMAC(PRK, info_i ‖ 0x01)` per key,
 * about 4× faster than one `hkdfSync` per key (≈3 µs vs ≈15 µs per key here).
 */
export function derivePieceKeys(contentKey: Uint8Array, first: number, last: number): Buffer {
  assertKey(contentKey, 32, 'content key');
  assertIndex(first, 'first piece index');
  assertIndex(last, 'last piece index');
  if (last < first) throw new CryptoError('BAD_KEY_SET', `piece range is empty: last ${last} < first ${first}`);
  const prk = createHmac('sha256', Buffer.alloc(32)).update(contentKey).digest();
  const out = Buffer.allocUnsafe((last - first + 1) * PIECE_KEY_BYTES);
  const msg = Buffer.allocUnsafe(INFO.length + 5);
  INFO.copy(msg);
  msg[INFO.length + 4] = 0x01; // T(1) = HMAC(PRK, info ‖ 0x01)
  for (let i = first; i <= last; i++) {
    msg.writeUInt32BE(i, INFO.length);
    createHmac('sha256', prk)
      .update(msg)
      .digest()
      .copy(out, (i - first) * PIECE_KEY_BYTES);
  }
  prk.fill(0);
  return out;
}

/** Key of piece `index` inside a `derivePieceKeys(ck, first, …)` result (a view, not a copy). */
export function pieceKeyAt(keys: Buffer, first: number, index: number): Buffer {
  const off = (index - first) * PIECE_KEY_BYTES;
  if (!Number.isInteger(index) || off < 0 || off + PIECE_KEY_BYTES > keys.length) {
    throw new CryptoError(
      'BAD_KEY_SET',
      `piece ${index} is outside the key range ${first}..${first + keys.length / PIECE_KEY_BYTES - 1}`,
    );
  }
  return keys.subarray(off, off + PIECE_KEY_BYTES);
}

function assertIndex(i: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i > MAX_PIECE_INDEX) {
    throw new CryptoError('BAD_KEY_SET', `${what} must be an integer from 0 to ${MAX_PIECE_INDEX}, got ${i}`);
  }
}
