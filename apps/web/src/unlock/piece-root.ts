import { bufferView, toHex } from './bytes';
import { UnlockError } from './errors';

/** Bytes of one piece's plaintext SHA-256. */
export const PIECE_SHA256_BYTES = 32;

/** Receives the plaintext SHA-256s of the pieces `first …` of a span (32 bytes each, in order). */
export type PieceSha256Sink = (first: number, pieceSha256: Uint8Array) => void;

/**
 * The plaintext SHA-256 of each piece of `bytes`, a span of whole pieces of `pieceLength` (the last
 * may be short), concatenated. WebCrypto's digest is native and one-shot, which a piece is: the
 * span workers call it next to their decrypts, all pieces of a span at once.
 */
export async function pieceSha256s(
  bytes: Uint8Array,
  pieceLength: number,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<Uint8Array<ArrayBuffer>> {
  const count = Math.ceil(bytes.length / pieceLength);
  const out = new Uint8Array(count * PIECE_SHA256_BYTES);
  await Promise.all(
    Array.from({ length: count }, async (_, j) => {
      const piece = bufferView(bytes.subarray(j * pieceLength, Math.min(bytes.length, (j + 1) * pieceLength)));
      out.set(new Uint8Array(await subtle.digest('SHA-256', piece)), j * PIECE_SHA256_BYTES);
    }),
  );
  return out;
}

/**
 * Checks a whole-file read against the plaintext piece root from the key delivery
 * (docs/key-scheme.md): `SHA-256(SHA-256(p_0) ‖ … ‖ SHA-256(p_{n-1}))`. The span unlocking reports
 * each span's piece digests to `add` (in any order), and `assertMatches` computes the root once every
 * piece was reported. 32 bytes per piece are kept: 32 KiB for a 1 GiB file of 1 MiB pieces.
 */
export class PieceRootCheck {
  private readonly digests: Uint8Array<ArrayBuffer>;
  private readonly seen: Uint8Array;
  private reported = 0;

  constructor(
    readonly path: string,
    readonly pieceCount: number,
    /** 64 lowercase hex digits. */
    readonly expected: string,
  ) {
    this.digests = new Uint8Array(pieceCount * PIECE_SHA256_BYTES);
    this.seen = new Uint8Array(pieceCount);
  }

  /** Records the digests of pieces `first …` (a PieceSha256Sink). */
  readonly add: PieceSha256Sink = (first, pieceSha256) => {
    const count = pieceSha256.length / PIECE_SHA256_BYTES;
    if (!Number.isInteger(count) || first < 0 || first + count > this.pieceCount)
      throw new RangeError(`piece digests ${first}+${count} do not fit a file of ${this.pieceCount} pieces`);
    this.digests.set(pieceSha256, first * PIECE_SHA256_BYTES);
    for (let i = first; i < first + count; i++) if (!this.seen[i]++) this.reported++;
  };

  /** Rejects with PLAINTEXT_MISMATCH unless every piece was reported and their root is the expected one. */
  async assertMatches(subtle: SubtleCrypto = crypto.subtle): Promise<void> {
    if (this.reported !== this.pieceCount)
      throw new UnlockError(
        'PLAINTEXT_MISMATCH',
        `${this.path}: only ${this.reported} of ${this.pieceCount} pieces were checked against the key delivery's piece root. Nothing was kept`,
        { path: this.path },
      );
    const got = toHex(new Uint8Array(await subtle.digest('SHA-256', this.digests)));
    if (got !== this.expected) throw plaintextMismatch(this.path, 'piece root', got, this.expected);
  }
}

/** The plaintext piece root of a whole local file read piece by piece (Unlock my folder: is it done already?). */
export async function pieceRootOfFile(
  file: Blob,
  pieceLength: number,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<string> {
  const count = Math.ceil(file.size / pieceLength);
  const digests = new Uint8Array(count * PIECE_SHA256_BYTES);
  // A few pieces at a time: the reads overlap the digests, and memory stays at a few pieces.
  const AT_ONCE = 4;
  for (let first = 0; first < count; first += AT_ONCE) {
    const last = Math.min(count, first + AT_ONCE);
    const bytes = new Uint8Array(
      await file.slice(first * pieceLength, Math.min(file.size, last * pieceLength)).arrayBuffer(),
    );
    digests.set(await pieceSha256s(bytes, pieceLength, subtle), first * PIECE_SHA256_BYTES);
  }
  return toHex(new Uint8Array(await subtle.digest('SHA-256', digests)));
}

/** The decrypted file is not the one the key delivery describes (its `what`: SHA-256 or piece root). */
export function plaintextMismatch(path: string, what: 'SHA-256' | 'piece root', got: string, expected: string) {
  return new UnlockError(
    'PLAINTEXT_MISMATCH',
    `${path}: the decrypted file's ${what} is ${got}, the key delivery says ${expected}; every piece matched the torrent, so the keys do not fit this copy. Nothing was kept`,
    { path },
  );
}
