import type { Readable } from 'node:stream';
import {
  assertSafePaths,
  buildV1Torrent,
  BuiltTorrent,
  comparePaths,
  TorrentMeta,
  V1StreamHasher,
} from '@keyseed/torrent';

/** One file of the bundle as the twin needs it. */
export interface TwinFile {
  /** Path inside the torrent. */
  path: string;
  length: number;
  /** The file's own v1 piece hashes (its pieces start at its first byte, as in the hybrid torrent). */
  piecesV1: Uint8Array;
  /** Streams the inclusive byte range of the stored file. */
  read(range: { start: number; end: number }): Readable;
}

/**
 * The v1-only twin of a bundle's hybrid torrent (`?format=v1`), for clients without BEP 47 pad
 * support (Transmission ≤ 3, aria2 ≤ 1.36 write pad files to disk): the same files in the same
 * order, no pad files, so pieces span file boundaries and the last piece is short — what mktorrent
 * would make of the same folder. Those pieces differ from the items' own, so the bytes are hashed
 * again, except where a file happens to start on a piece boundary of the twin: there its whole
 * pieces are the ones saved at ingest, and only its tail is read.
 */
export async function buildV1Twin(
  name: string,
  pieceLength: number,
  files: readonly TwinFile[],
  meta: TorrentMeta,
): Promise<BuiltTorrent> {
  const paths = assertSafePaths(files.map((f) => f.path));
  const ordered = files
    .map((f, i) => ({ file: f, segments: paths[i] }))
    .sort((a, b) => comparePaths(a.segments, b.segments));
  const hasher = new V1StreamHasher(pieceLength);
  for (const { file } of ordered) {
    let start = 0;
    const whole = Math.floor(file.length / pieceLength);
    if (hasher.aligned && whole > 0 && file.piecesV1.length >= whole * 20) {
      hasher.addPieceHashes(file.piecesV1.subarray(0, whole * 20));
      start = whole * pieceLength;
    }
    if (start < file.length) {
      for await (const chunk of file.read({ start, end: file.length - 1 })) hasher.update(chunk as Buffer);
    }
  }
  return buildV1Torrent({
    ...meta,
    name,
    pieceLength,
    files: ordered.map((o) => ({ path: o.segments, length: o.file.length })),
    pieces: hasher.digest(),
  });
}
