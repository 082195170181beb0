/**
 * @keyseed/torrent — BitTorrent v1 + v2 (BEP 3, 47, 52) hashing, building and parsing.
 * Pure: Buffers in, Buffers out; no Nest, no file I/O.
 */
export {
  PieceHasher,
  combinePieceRanges,
  emptyFileHashes,
  hashFileBuffer,
  splitPieceRanges,
  fileHashesToJSON,
  fileHashesFromJSON,
} from './piece-hasher';
export type { FileHashes, FileHashesJSON, PieceRangeHashes, PieceHasherOptions, PieceRange } from './piece-hasher';
export { buildTorrent, buildV1Torrent, toLegacyV1 } from './builder';
export type {
  BuildTorrentOptions,
  BuildV1TorrentOptions,
  BuiltTorrent,
  TorrentFileInput,
  TorrentMeta,
  TorrentMode,
} from './builder';
export { parseTorrent, TorrentParseError } from './parse';
export type { ParsedTorrent, ParsedFile } from './parse';
export { magnetLink } from './magnet';
export type { MagnetInput } from './magnet';
export { infoHashes } from './info-hash';
export {
  assertPieceLength,
  choosePieceLength,
  parseByteSize,
  formatBytes,
  BLOCK_SIZE,
  MIN_PIECE_LENGTH,
  MAX_PIECE_LENGTH,
} from './piece-length';
export { assertSafePaths, safePathSegments, comparePaths, UnsafePathError } from './names';
export { bencode, bdecode, BencodeError } from './bencode';
export type { BValue, BNode } from './bencode';
export { merkleRoot, zeroSubtreeRoot, sha256 } from './merkle';
export { V1StreamHasher } from './v1-stream-hasher';
export { announcedInfoHashes } from './announced-hashes';
