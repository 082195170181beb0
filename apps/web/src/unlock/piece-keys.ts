import { bufferView, decodeBase64, equalBytes, fromHex, ownBytes, utf8 } from './bytes';
import { UnlockError } from './errors';

/**
 * Piece keys and the piece cipher (docs/key-scheme.md), in WebCrypto:
 *
 *     K_i = HKDF-SHA256(CK, salt = empty, info = "keyseed/piece/v1" ‖ u32be(i), 32)
 *     KCV = first 8 bytes of HKDF-SHA256(CK, salt = empty, info = "keyseed/check/v1", 32)
 *     piece = AES-256-CTR(K_i, counter = 16 zero bytes, counter length 128)(ciphertext)
 *
 * The content key is imported once as a non-extractable HKDF key, so the piece keys derived from
 * it never exist as bytes in script; such a CryptoKey is what the page hands the service worker.
 */
const PIECE_INFO = utf8('keyseed/piece/v1');
const CHECK_INFO = utf8('keyseed/check/v1');
const EMPTY = new Uint8Array(0);

/** Where an item's piece keys come from: its content key (a license) or a range of piece keys (a preview). */
export type PieceKeySource =
  { kind: 'content'; contentKey: CryptoKey } | { kind: 'pieces'; first: number; keys: Uint8Array };

/** Imports a raw content key as a non-extractable HKDF key. */
export function importContentKey(raw: Uint8Array, subtle: SubtleCrypto = crypto.subtle): Promise<CryptoKey> {
  return subtle.importKey('raw', ownBytes(raw), 'HKDF', false, ['deriveKey', 'deriveBits']);
}

/** `info` of piece `index`: "keyseed/piece/v1" ‖ u32be(index). */
export function pieceInfo(index: number): Uint8Array<ArrayBuffer> {
  const info = new Uint8Array(PIECE_INFO.length + 4);
  info.set(PIECE_INFO);
  new DataView(info.buffer).setUint32(PIECE_INFO.length, index);
  return info;
}

/** Raw K_i (for the test vectors and for nothing else: pieces are decrypted with `pieceKey`). */
export async function derivePieceKeyBytes(
  contentKey: CryptoKey,
  index: number,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: EMPTY, info: pieceInfo(index) }, contentKey, 256),
  );
}

/** The AES-CTR key of piece `index`, or null when `source` does not cover it (a preview past its end). */
export async function pieceKey(
  source: PieceKeySource,
  index: number,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<CryptoKey | null> {
  if (source.kind === 'content') {
    return subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: EMPTY, info: pieceInfo(index) },
      source.contentKey,
      { name: 'AES-CTR', length: 256 },
      false,
      ['decrypt'],
    );
  }
  const off = (index - source.first) * 32;
  if (index < source.first || off + 32 > source.keys.length) return null;
  return subtle.importKey('raw', ownBytes(source.keys.subarray(off, off + 32)), 'AES-CTR', false, ['decrypt']);
}

/** Pieces `0 … n-1` that `source` can decrypt from piece 0 on (a preview's length), Infinity for a content key. */
export function coveredPieces(source: PieceKeySource): number {
  return source.kind === 'content' ? Infinity : source.first === 0 ? source.keys.length / 32 : 0;
}

/**
 * Bytes per WebCrypto decrypt call. Chromium copies a call's input and answers with a new buffer;
 * from about 1 MiB on it maps and unmaps fresh memory for each, and here a 1 MiB piece then
 * decrypted at 50 MiB/s where two 512 KiB halves ran at 100 MiB/s one after the other and 160
 * side by side (docs/web-app.md).
 */
export const DECRYPT_CHUNK = 512 * 1024;

/** Decrypts one ciphertext piece (CTR: the whole piece, counter from zero) into a new buffer. */
export async function decryptPiece(
  key: CryptoKey,
  ciphertext: Uint8Array,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(ciphertext.length);
  await decryptPieceInto(key, ciphertext, out, subtle);
  return out;
}

/**
 * Decrypts one ciphertext piece into `out` (which may be the ciphertext itself: WebCrypto copies
 * its input when called), DECRYPT_CHUNK at a time, each call's counter starting at its first block:
 * in CTR mode the same bytes as one call over the whole piece.
 */
export async function decryptPieceInto(
  key: CryptoKey,
  ciphertext: Uint8Array,
  out: Uint8Array,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<void> {
  const calls: Promise<void>[] = [];
  for (let at = 0; at < ciphertext.length; at += DECRYPT_CHUNK) {
    const counter = new Uint8Array(16);
    new DataView(counter.buffer).setUint32(12, at / 16);
    const chunk = bufferView(ciphertext.subarray(at, Math.min(ciphertext.length, at + DECRYPT_CHUNK)));
    calls.push(
      subtle
        .decrypt({ name: 'AES-CTR', counter, length: 128 }, key, chunk)
        .then((plain) => out.set(new Uint8Array(plain), at)),
    );
  }
  await Promise.all(calls);
}

/** The key-check value of a content key (8 bytes). */
export async function keyCheckValue(contentKey: CryptoKey, subtle: SubtleCrypto = crypto.subtle): Promise<Uint8Array> {
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: EMPTY, info: CHECK_INFO },
    contentKey,
    256,
  );
  return new Uint8Array(bits, 0, 8);
}

/**
 * Refuses a content key whose KCV is not the manifest's (hex, or base64), before anything is
 * decrypted: a wrong key would otherwise only show as garbage at the end.
 */
export async function assertKeyCheckValue(
  contentKey: CryptoKey,
  expected: string,
  path: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<void> {
  const want = /^[0-9a-fA-F]{16}$/.test(expected) ? fromHex(expected) : decodeBase64(expected);
  if (want?.length !== 8)
    throw new UnlockError('WRONG_KEY', `${path}: the bundle's key-check value is malformed`, { path });
  if (!equalBytes(await keyCheckValue(contentKey, subtle), want))
    throw new UnlockError(
      'WRONG_KEY',
      `${path}: the key delivered does not match the bundle's key-check value (the item was re-ingested, or this is another bundle's copy); nothing was decrypted. Reload the page to fetch the keys again`,
      { path },
    );
}
