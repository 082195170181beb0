import { createHash } from 'node:crypto';
import { PieceCipher, PIECE_CIPHER_CHUNK } from './piece-cipher';
import { derivePieceKey } from './piece-key';
import { plaintextPieceRoot } from './piece-root';

export interface LockedPlaintextDigests {
  /** SHA-256 of the whole plaintext, 64 lowercase hex digits. */
  plaintextSha256: string;
  /** The plaintext piece root (piece-root.ts), 64 lowercase hex digits. */
  plaintextPieceRoot: string;
}

/**
 * Decrypts a locked item's stored ciphertext as it streams by and returns its plaintext digests,
 * holding one 64 KiB scratch buffer and 32 bytes per piece, never a piece. Used to give items
 * ingested before the piece root existed their root (the whole-file SHA-256 proves the decryption
 * matches what ingest saw). Throws when the stream is not `length` bytes.
 */
export async function lockedPlaintextDigests(
  ciphertext: AsyncIterable<Uint8Array>,
  contentKey: Uint8Array,
  pieceLength: number,
  length: number,
): Promise<LockedPlaintextDigests> {
  if (!Number.isInteger(pieceLength) || pieceLength <= 0)
    throw new RangeError(`piece length must be a positive integer, got ${pieceLength}`);
  const pieceCount = Math.ceil(length / pieceLength);
  const whole = createHash('sha256');
  const pieceDigests = Buffer.allocUnsafe(32 * pieceCount);
  const scratch = Buffer.allocUnsafe(PIECE_CIPHER_CHUNK);
  let piece = 0;
  let pieceEnd = Math.min(length, pieceLength);
  let cipher = new PieceCipher(derivePieceKey(contentKey, 0));
  let pieceHash = createHash('sha256');
  let at = 0;
  for await (const chunk of ciphertext) {
    if (at + chunk.byteLength > length) throw new Error(`ciphertext is longer than the item's ${length} bytes`);
    for (let off = 0; off < chunk.byteLength;) {
      const n = Math.min(chunk.byteLength - off, pieceEnd - at, PIECE_CIPHER_CHUNK);
      const plain = scratch.subarray(0, n);
      cipher.update(chunk.subarray(off, off + n), plain);
      whole.update(plain);
      pieceHash.update(plain);
      off += n;
      at += n;
      if (at === pieceEnd) {
        pieceHash.digest().copy(pieceDigests, piece * 32);
        if (at < length) {
          piece += 1;
          pieceEnd = Math.min(length, (piece + 1) * pieceLength);
          cipher = new PieceCipher(derivePieceKey(contentKey, piece));
          pieceHash = createHash('sha256');
        }
      }
    }
  }
  if (at !== length) throw new Error(`ciphertext ended at ${at} bytes, the item has ${length}`);
  scratch.fill(0);
  return { plaintextSha256: whole.digest('hex'), plaintextPieceRoot: plaintextPieceRoot(pieceDigests) };
}
