import { sha256 } from '@noble/hashes/sha2.js';
import { bufferView, equalBytes } from './bytes';
import type { FileHashes } from './torrent-hashes';

/**
 * Checks one ciphertext piece against the torrent before anything decrypts it: the v2 piece-layer
 * hash (SHA-256 merkle root of its 16 KiB blocks, zero leaves past the file's end) when the
 * torrent has one, else the v1 SHA-1 (over the piece plus the pad file's zeros for the last piece).
 * Leaves are hashed by WebCrypto (native, in parallel); the 64-byte inner nodes, where a call costs
 * more than the hashing, in script.
 *
 * `prefer: 'v1'` checks the v1 SHA-1 first when the torrent has it: one WebCrypto call per piece
 * instead of one per 16 KiB block, several times cheaper in a browser (docs/web-app.md). Whole-file
 * reads use it: their plaintext is checked again, every byte, against the SHA-256 of the key delivery.
 */
const BLOCK = 16 * 1024;
const ZERO_LEAF = new Uint8Array(32);

export type PieceCheck = 'v2' | 'v1';

export async function verifyPiece(
  hashes: FileHashes,
  index: number,
  ciphertext: Uint8Array,
  prefer: PieceCheck = 'v2',
  subtle: SubtleCrypto = crypto.subtle,
): Promise<boolean> {
  const expectedLength = Math.min(hashes.pieceLength, hashes.size - index * hashes.pieceLength);
  if (index < 0 || index >= hashes.pieceCount || ciphertext.length !== expectedLength) return false;
  const v1 = hashes.v1 && (index < hashes.pieceCount - 1 || hashes.v1LastSpan !== null) ? hashes.v1 : null;
  if (v1 && (prefer === 'v1' || (!hashes.pieceLayer && !(hashes.piecesRoot && hashes.pieceCount === 1)))) {
    const span = index === hashes.pieceCount - 1 ? hashes.v1LastSpan! : hashes.pieceLength;
    if (span < ciphertext.length) return false;
    const hashed = span === ciphertext.length ? bufferView(ciphertext) : padded(ciphertext, span);
    const sha1 = new Uint8Array(await subtle.digest('SHA-1', hashed));
    return equalBytes(sha1, v1.subarray(index * 20, index * 20 + 20));
  }
  if (hashes.pieceLayer) {
    const leaves = hashes.pieceLength / BLOCK;
    const root = await merkleRoot(ciphertext, leaves, subtle);
    return equalBytes(root, hashes.pieceLayer.subarray(index * 32, index * 32 + 32));
  }
  if (hashes.piecesRoot && hashes.pieceCount === 1) {
    const blocks = Math.max(1, Math.ceil(ciphertext.length / BLOCK));
    return equalBytes(await merkleRoot(ciphertext, nextPowerOfTwo(blocks), subtle), hashes.piecesRoot);
  }
  return false;
}

/** Root of the merkle tree over `data`'s 16 KiB blocks, padded with zero leaves to `leafCount` (a power of two). */
async function merkleRoot(data: Uint8Array, leafCount: number, subtle: SubtleCrypto): Promise<Uint8Array> {
  const blocks = Math.ceil(data.length / BLOCK);
  const hashed = await Promise.all(
    Array.from({ length: blocks }, (_, b) =>
      subtle.digest('SHA-256', bufferView(data.subarray(b * BLOCK, Math.min(data.length, (b + 1) * BLOCK)))),
    ),
  );
  let level: Uint8Array[] = hashed.map((h) => new Uint8Array(h));
  while (level.length < leafCount) level.push(ZERO_LEAF);
  const pair = new Uint8Array(64);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      pair.set(level[i], 0);
      pair.set(level[i + 1], 32);
      next.push(sha256(pair));
    }
    level = next;
  }
  return level[0];
}

function padded(data: Uint8Array, span: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(span);
  out.set(data);
  return out;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
