/** BEP 52 leaf size: v2 hashes the file in 16 KiB blocks. */
export const BLOCK_SIZE = 16 * 1024;
export const MIN_PIECE_LENGTH = 16 * 1024;
export const MAX_PIECE_LENGTH = 16 * 1024 * 1024;

/** Target number of pieces for {@link choosePieceLength}. */
export const TARGET_PIECE_COUNT = 1500;

/** Throws unless `pieceLength` is a power of two in [16 KiB, 16 MiB]. */
export function assertPieceLength(pieceLength: number): number {
  if (
    !Number.isSafeInteger(pieceLength) ||
    pieceLength < MIN_PIECE_LENGTH ||
    pieceLength > MAX_PIECE_LENGTH ||
    (pieceLength & (pieceLength - 1)) !== 0
  ) {
    throw new RangeError(`piece length must be a power of two between 16 KiB and 16 MiB, got ${pieceLength}`);
  }
  return pieceLength;
}

/**
 * Automatic piece length for `totalSize` bytes of content: the smallest power of two in
 * [16 KiB, 16 MiB] that keeps the torrent at or under {@link TARGET_PIECE_COUNT} (1500) pieces.
 *
 * ~1500 pieces keeps the v1 `pieces` string ≤ 30 KB and the v2 piece layers ≤ 48 KB, so the
 * .torrent stays small, while pieces stay small enough for quick verification and fine-grained
 * sharing. Examples: 20 MiB → 16 KiB, 100 MiB → 128 KiB, 1 GiB → 1 MiB, 4 GiB → 4 MiB,
 * 20 GiB → 16 MiB (capped; larger content simply gets more pieces).
 */
export function choosePieceLength(totalSize: number): number {
  let pieceLength = MIN_PIECE_LENGTH;
  while (pieceLength < MAX_PIECE_LENGTH && Math.ceil(totalSize / pieceLength) > TARGET_PIECE_COUNT) pieceLength *= 2;
  return pieceLength;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Parse a byte size such as `4MiB`, `256k`, `16384` (k/M/G without "B" mean KiB/MiB/GiB). */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`not a byte size: "${text}" (try 4MiB, 256KiB or 16384)`);
  return Math.round(Number(m[1]) * unit);
}

/** `16384` → `16 KiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
