import { createHash } from 'node:crypto';

/**
 * The plaintext piece root (docs/key-scheme.md) of a whole plaintext in memory, written out
 * independently of the worker's streaming code, for tests to compare against.
 */
export function referencePieceRoot(plaintext: Uint8Array, pieceLength: number): string {
  const root = createHash('sha256');
  for (let o = 0; o < plaintext.length; o += pieceLength)
    root.update(
      createHash('sha256')
        .update(plaintext.subarray(o, o + pieceLength))
        .digest(),
    );
  return root.digest('hex');
}
