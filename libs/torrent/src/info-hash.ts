import { createHash } from 'node:crypto';

/** v1 = SHA-1(bencoded info), v2 = SHA-256(bencoded info), each only when the torrent has that part. */
export function infoHashes(
  info: Uint8Array,
  hasV2: boolean,
  hasV1: boolean,
): { infoHashV1: string | null; infoHashV2: string | null } {
  return {
    infoHashV1: hasV1 ? createHash('sha1').update(info).digest('hex') : null,
    infoHashV2: hasV2 ? createHash('sha256').update(info).digest('hex') : null,
  };
}
