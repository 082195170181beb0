import { createHash } from 'node:crypto';

/** Bytes of one plaintext piece digest (SHA-256). */
export const PIECE_DIGEST_BYTES = 32;

/**
 * The plaintext piece root of an item (docs/key-scheme.md, plaintext piece root):
 * `SHA-256(SHA-256(p_0) ‖ … ‖ SHA-256(p_{n-1}))` over its plaintext pieces at the torrent's piece
 * length, as 64 lowercase hex digits. `pieceDigests` is the concatenation of the piece digests in
 * piece order; an empty item (no pieces) has the SHA-256 of nothing.
 */
export function plaintextPieceRoot(pieceDigests: Uint8Array): string {
  if (pieceDigests.byteLength % PIECE_DIGEST_BYTES !== 0)
    throw new RangeError(
      `piece digests must be a multiple of ${PIECE_DIGEST_BYTES} bytes, got ${pieceDigests.byteLength}`,
    );
  return createHash('sha256').update(pieceDigests).digest('hex');
}
