import { hash } from 'node:crypto';

/** SHA-256 of `data` as a Buffer (one OpenSSL call, no Hash object). */
export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

const zeroRoots: Buffer[] = [Buffer.alloc(32)];

/**
 * Root of a perfect subtree with `2^height` all-zero leaves (BEP 52 pads past EOF with zero
 * *hashes*, i.e. leaves of 32 zero bytes, not hashes of zero blocks).
 */
export function zeroSubtreeRoot(height: number): Buffer {
  while (zeroRoots.length <= height) {
    const below = zeroRoots[zeroRoots.length - 1];
    zeroRoots.push(sha256(Buffer.concat([below, below])));
  }
  return zeroRoots[height];
}

/** log2 of a power of two. */
export function log2(n: number): number {
  return 31 - Math.clz32(n);
}

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Reduce `count` 32-byte hashes stored back to back in `layer` (a scratch buffer, overwritten) to
 * the root of a tree with `width` leaves (a power of two ≥ count), padding with `padHash` of the
 * same level (zero subtree root of height `padHeight`). Allocates only the 32-byte node digests.
 */
export function merkleRoot(layer: Buffer, count: number, width: number, padHeight = 0): Buffer {
  if (count === 0) throw new Error('merkleRoot of nothing');
  let n = count;
  let w = width;
  let h = padHeight;
  const pair = Buffer.allocUnsafe(64);
  while (w > 1) {
    const pad = zeroSubtreeRoot(h);
    const parents = Math.ceil(n / 2);
    for (let i = 0; i < parents; i++) {
      const left = layer.subarray(i * 64, i * 64 + 32);
      let digest: Buffer;
      if (2 * i + 1 < n) {
        digest = sha256(layer.subarray(i * 64, i * 64 + 64));
      } else {
        left.copy(pair, 0);
        pad.copy(pair, 32);
        digest = sha256(pair);
      }
      digest.copy(layer, i * 32);
    }
    n = parents;
    w /= 2;
    h++;
  }
  return Buffer.from(layer.subarray(0, 32));
}
