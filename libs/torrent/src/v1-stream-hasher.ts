import { createHash, Hash } from 'node:crypto';
import { assertPieceLength } from './piece-length';

/**
 * Classic v1 piece hashing over a stream of files laid end to end, without pad files: a piece may
 * span several files and the last piece is unpadded (what mktorrent makes). Feed the files in
 * torrent order with {@link update}; where the stream is on a piece boundary, whole pieces whose
 * SHA-1 is already known (an item's saved hybrid hashes) may be added with {@link addPieceHashes}
 * instead of their bytes.
 */
export class V1StreamHasher {
  private readonly done: Buffer[] = [];
  private hash: Hash = createHash('sha1');
  /** Bytes of the current, unfinished piece. */
  private filled = 0;

  constructor(readonly pieceLength: number) {
    assertPieceLength(pieceLength);
  }

  /** True when the bytes fed so far end on a piece boundary. */
  get aligned(): boolean {
    return this.filled === 0;
  }

  update(data: Uint8Array): this {
    let at = 0;
    while (at < data.length) {
      const take = Math.min(this.pieceLength - this.filled, data.length - at);
      this.hash.update(data.subarray(at, at + take));
      this.filled += take;
      at += take;
      if (this.filled === this.pieceLength) this.finishPiece();
    }
    return this;
  }

  /** SHA-1s (20 bytes each) of whole pieces that come next in the stream; only on a piece boundary. */
  addPieceHashes(hashes: Uint8Array): this {
    if (!this.aligned) throw new Error('piece hashes can only be added on a piece boundary');
    if (hashes.length % 20 !== 0) throw new Error(`piece hashes are 20 bytes each, got ${hashes.length} bytes`);
    this.done.push(Buffer.from(hashes));
    return this;
  }

  /** The SHA-1 of every piece, the last one over whatever bytes it holds. */
  digest(): Buffer {
    if (this.filled > 0) this.finishPiece();
    return Buffer.concat(this.done);
  }

  private finishPiece(): void {
    this.done.push(this.hash.digest());
    this.hash = createHash('sha1');
    this.filled = 0;
  }
}
