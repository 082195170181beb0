import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes';
import { UnlockError } from './errors';
import type { PieceReader } from './piece-reader';

/** How many pieces are fetched and decrypted ahead of the one being written. */
export const READ_AHEAD = 3;

/**
 * The whole plaintext of a locked file, piece by piece in order, each verified against the torrent
 * before decryption (PieceReader), the whole checked against `expectedSha256` (hex, from the key
 * delivery) before the last piece is handed out: a consumer that commits only when this generator
 * finishes never commits a wrong file. WebCrypto has no incremental digest, so the SHA-256 runs in
 * @noble/hashes. Memory: the reader's small cache plus `READ_AHEAD` pieces.
 */
export async function* verifiedPlaintext(
  reader: PieceReader,
  expectedSha256: string | null,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = sha256.create();
  let done = 0;
  for (let i = 0; i < reader.pieceCount; i++) {
    for (let k = 1; k <= READ_AHEAD; k++) reader.prefetch(i + k);
    const piece = await reader.piece(i);
    hash.update(piece);
    done += piece.length;
    if (i === reader.pieceCount - 1 && expectedSha256) {
      const got = toHex(hash.digest());
      if (got !== expectedSha256.toLowerCase())
        throw new UnlockError(
          'PLAINTEXT_MISMATCH',
          `${reader.file.path}: the decrypted file's SHA-256 is ${got}, the key delivery says ${expectedSha256}; every piece matched the torrent, so the keys do not fit this copy. Nothing was kept`,
          { path: reader.file.path },
        );
    }
    yield piece;
    onProgress(done, reader.size);
  }
}
