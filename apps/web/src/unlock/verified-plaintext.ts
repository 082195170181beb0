import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes';
import { UnlockError } from './errors';
import type { PieceReader } from './piece-reader';

/** Bytes fetched per request when reading a whole file (whole pieces, at least one). */
export const SPAN_BYTES = 4 * 1024 * 1024;
/** Spans fetched, verified and decrypted ahead of the one being written. */
export const SPANS_AHEAD = 2;

/**
 * The whole plaintext of a locked file, piece by piece in order, each verified against the torrent
 * before decryption (PieceReader), the whole checked against `expectedSha256` (hex, from the key
 * delivery) before the last piece is handed out: a consumer that commits only when this generator
 * finishes never commits a wrong file. Pieces are fetched in spans of ~4 MiB (one request each,
 * two spans ahead). WebCrypto has no incremental digest, so the SHA-256 runs in @noble/hashes.
 * Memory: about `SPANS_AHEAD + 1` spans, whatever the file's size.
 */
export async function* verifiedPlaintext(
  reader: PieceReader,
  expectedSha256: string | null,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = sha256.create();
  const perSpan = Math.max(1, Math.floor(SPAN_BYTES / reader.pieceLength));
  const spans: Promise<Uint8Array[]>[] = [];
  let next = 0;
  const fill = () => {
    while (spans.length <= SPANS_AHEAD && next < reader.pieceCount) {
      const loading = reader.span(next, perSpan);
      loading.catch(() => undefined); // surfaces when its turn comes
      spans.push(loading);
      next += perSpan;
    }
  };
  let done = 0;
  let index = 0;
  try {
    for (fill(); spans.length > 0; fill()) {
      const pieces = await spans.shift()!;
      for (const piece of pieces) {
        hash.update(piece);
        done += piece.length;
        if (index++ === reader.pieceCount - 1 && expectedSha256) {
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
  } finally {
    spans.length = 0;
  }
}
