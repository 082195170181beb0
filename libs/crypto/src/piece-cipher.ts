import { Cipher, createCipheriv } from 'node:crypto';
import { assertKey } from './encoding';
import { CryptoError } from './errors';

/**
 * Bytes handed to OpenSSL per `update()` call. `cipher.update(4 MiB)` allocates a fresh 4 MiB
 * result each call and page faults dominate (docs/architecture.md, buffers in the hot loops); 64 KiB outputs are recycled by malloc.
 * Measured on a 4 MiB piece here: whole-piece update ≈0.7–1.2 GB/s, 16 KiB ≈1.7–2.1,
 * 64 KiB ≈2.1–3.2 GB/s (noisy shared cores); larger chunks gained nothing reliable.
 */
export const PIECE_CIPHER_CHUNK = 64 * 1024;

const ZERO_IV = Buffer.alloc(16);

/**
 * The piece cipher (docs/key-scheme.md): AES-256-CTR, key `K_i`, IV = 16 zero bytes. CTR is its own
 * inverse, so encrypting and decrypting are the same call. The keystream continues across
 * `update` calls, so a piece can be fed in any number of consecutive parts.
 */
export class PieceCipher {
  private readonly cipher: Cipher;

  constructor(pieceKey: Uint8Array) {
    assertKey(pieceKey, 32, 'piece key');
    this.cipher = createCipheriv('aes-256-ctr', pieceKey, ZERO_IV);
  }

  /**
   * Transforms `src` into `dst` (default: in place). `dst` must be at least as long as `src` and
   * either be `src`'s exact bytes (in place) or not overlap them.
   */
  update(src: Uint8Array, dst: Uint8Array = src): void {
    if (dst.byteLength < src.byteLength) {
      throw new CryptoError('BAD_KEY', `piece cipher output is ${dst.byteLength} bytes, input ${src.byteLength}`);
    }
    assertNoPartialOverlap(src, dst);
    const n = src.byteLength;
    for (let off = 0; off < n; off += PIECE_CIPHER_CHUNK) {
      const end = Math.min(off + PIECE_CIPHER_CHUNK, n);
      const out = this.cipher.update(src.subarray(off, end));
      dst.set(out, off);
    }
  }
}

/** Encrypts (or decrypts) a whole piece from `src` into `dst`; `dst` may be `src` itself. */
export function encryptPieceInto(pieceKey: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  new PieceCipher(pieceKey).update(src, dst);
}

/** Encrypts (or decrypts) a whole piece in place. */
export function encryptPieceInPlace(pieceKey: Uint8Array, piece: Uint8Array): void {
  new PieceCipher(pieceKey).update(piece, piece);
}

/** CTR: decryption is the same operation. */
export const decryptPieceInto = encryptPieceInto;
export const decryptPieceInPlace = encryptPieceInPlace;

function assertNoPartialOverlap(a: Uint8Array, b: Uint8Array): void {
  if (a.buffer !== b.buffer || a.byteOffset === b.byteOffset) return;
  const aEnd = a.byteOffset + a.byteLength;
  const bEnd = b.byteOffset + b.byteLength;
  if (a.byteOffset < bEnd && b.byteOffset < aEnd) {
    throw new CryptoError('BAD_KEY', 'piece cipher input and output overlap without being the same bytes');
  }
}
