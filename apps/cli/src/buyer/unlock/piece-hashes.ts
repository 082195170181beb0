import type { ParsedTorrent } from '@keyseed/torrent';

/** The v1 SHA-1 hashes covering one file's pieces, when that file starts on a piece boundary. */
export interface FilePieceHashes {
  /** Piece count of the file: ceil(size / pieceLength). */
  count: number;
  pieceLength: number;
  /** 20 bytes per piece of the file. */
  hashes: Buffer;
  /**
   * Bytes hashed for the file's last piece: its tail plus the zeros of the BEP 47 pad file that
   * follows it (up to `pieceLength`), or just the tail when the file ends the torrent unpadded.
   * null when another real file shares that piece: the last piece then cannot be checked alone.
   */
  lastSpan: number | null;
}

/**
 * The piece hashes of file `relPath` (below the torrent's folder) in `torrent`, or null when they
 * cannot be used on their own: no v1 hashes, no such file, another size, or the file does not start
 * on a piece boundary (a v1-only torrent without pad files). Keyseed's hybrid torrents always
 * align every file (docs/torrent-format.md), so their hashes check every ciphertext piece of a `.locked` file.
 */
export function filePieceHashes(torrent: ParsedTorrent, relPath: string, size: number): FilePieceHashes | null {
  if (!torrent.piecesV1 || size === 0) return null;
  const L = torrent.pieceLength;
  const files = torrent.files;
  const index = files.findIndex(
    (f) =>
      !f.pad && (torrent.singleFile ? f.path.join('/') === relPath.split('/').pop() : f.path.join('/') === relPath),
  );
  if (index < 0) return null;
  const file = files[index];
  if (file.length !== size || file.offset < 0 || file.offset % L !== 0) return null;
  const count = Math.ceil(size / L);
  const first = file.offset / L;
  const streamLength = files.reduce((s, f) => s + f.length, 0);
  const tail = size - (count - 1) * L;
  const next = files[index + 1];
  let lastSpan: number | null;
  if (tail === L) lastSpan = L;
  else if (!next) lastSpan = tail;
  else if (next.pad) lastSpan = Math.min(L, streamLength - (first + count - 1) * L);
  else lastSpan = null;
  if (lastSpan !== null && lastSpan < tail) lastSpan = null;
  return { count, pieceLength: L, hashes: torrent.piecesV1.subarray(first * 20, (first + count) * 20), lastSpan };
}
