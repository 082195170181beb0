import { createHash, hash } from 'node:crypto';
import { merkleRoot, nextPowerOfTwo, log2 } from './merkle';
import { assertPieceLength, BLOCK_SIZE } from './piece-length';

/**
 * Everything a torrent needs to know about one file, computed once at ingest and stored (all
 * fields are plain numbers and Buffers: PostgreSQL `bytea`/Prisma `Bytes`, or JSON through
 * {@link fileHashesToJSON}). Publishing assembles a torrent from these without re-reading files.
 */
export interface FileHashes {
  /** Piece length the hashes were computed with. */
  pieceLength: number;
  /** File size in bytes. */
  length: number;
  /**
   * v1 SHA-1 piece hashes, 20 bytes each, ceil(length / pieceLength) of them. The last piece is
   * hashed over the file's tail plus zeros up to the piece boundary (the BEP 47 pad file that
   * follows every file in a hybrid torrent).
   */
  piecesV1: Buffer;
  /**
   * SHA-1 of the last piece *without* padding, when the file does not end on a piece boundary.
   * Only a single-file torrent (which has no pad file) needs it.
   */
  lastPieceV1Unpadded?: Buffer | null;
  /** BEP 52 `pieces root`: merkle root over 16 KiB leaves; null for an empty file. */
  piecesRoot: Buffer | null;
  /** BEP 52 `piece layers` entry (32 bytes per piece); null unless length > pieceLength. */
  pieceLayer: Buffer | null;
}

/** The hashes of a run of consecutive pieces of one file; combine runs with {@link combinePieceRanges}. */
export interface PieceRangeHashes {
  pieceLength: number;
  /** Index of the first piece within the file. */
  firstPiece: number;
  /** Bytes hashed (a whole number of pieces, except for the file's last run). */
  bytes: number;
  /** 20 bytes per piece; the last piece padded with zeros when partial. */
  piecesV1: Buffer;
  /** Unpadded SHA-1 of the last piece when it is partial, else null. */
  lastPieceV1Unpadded: Buffer | null;
  /**
   * 32 bytes per piece: the root of each piece's 16 KiB-leaf subtree, padded with zero leaves to a
   * whole piece — except when piece 0 is also the file's partial last piece, where the tree is
   * padded only to the next power of two of leaves (that hash then is the file's `pieces root`).
   */
  pieceHashesV2: Buffer;
}

export interface PieceHasherOptions {
  /** Index of the first piece fed to this hasher (for hashing a file in ranges). Default 0. */
  firstPiece?: number;
  /** Compute v1 SHA-1 piece hashes. Default true. */
  v1?: boolean;
  /** Compute v2 SHA-256 merkle hashes. Default true. */
  v2?: boolean;
}

const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Streaming piece hasher for ONE file (or one run of its pieces). Feed bytes in order with
 * {@link update} — whole pieces are hashed straight from the caller's buffer without copying;
 * partial pieces are staged in a single piece-sized buffer — then call {@link digest} (whole file)
 * or {@link digestRange} (a run of pieces, to be combined with {@link combinePieceRanges}).
 *
 * Per piece it computes SHA-1 (v1) and the SHA-256 of every 16 KiB block reduced to the piece's
 * subtree root (v2). Memory: one piece buffer (only if fed unaligned data) + 32 bytes per leaf of
 * one piece + 52 bytes per piece of output.
 */
export class PieceHasher {
  readonly pieceLength: number;
  readonly firstPiece: number;
  private readonly v1: boolean;
  private readonly v2: boolean;
  private readonly leaves: Buffer;
  private readonly blocksPerPiece: number;
  private v1Out: Buffer[] = [];
  private v2Out: Buffer[] = [];
  private v1Chunk: Buffer;
  private v2Chunk: Buffer;
  private chunkPieces = 0;
  private pieces = 0;
  private bytes = 0;
  private pending: Buffer | null = null;
  private pendingBytes = 0;
  private lastUnpadded: Buffer | null = null;
  private finished = false;

  constructor(pieceLength: number, options: PieceHasherOptions = {}) {
    this.pieceLength = assertPieceLength(pieceLength);
    this.firstPiece = options.firstPiece ?? 0;
    this.v1 = options.v1 ?? true;
    this.v2 = options.v2 ?? true;
    this.blocksPerPiece = pieceLength / BLOCK_SIZE;
    this.leaves = Buffer.alloc(this.blocksPerPiece * 32);
    this.v1Chunk = Buffer.allocUnsafe(20 * 256);
    this.v2Chunk = Buffer.allocUnsafe(32 * 256);
  }

  /** Bytes fed so far. */
  get bytesHashed(): number {
    return this.bytes + this.pendingBytes;
  }

  /** Feed the next bytes of the file. Any chunking works; whole, aligned pieces are fastest. */
  update(data: Uint8Array): this {
    if (this.finished) throw new Error('PieceHasher: update() after digest()');
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const pl = this.pieceLength;
    let off = 0;
    if (this.pendingBytes > 0) {
      const take = Math.min(pl - this.pendingBytes, buf.length);
      buf.copy(this.pending!, this.pendingBytes, 0, take);
      this.pendingBytes += take;
      off = take;
      if (this.pendingBytes < pl) return this;
      this.hashPiece(this.pending!, pl);
      this.pendingBytes = 0;
    }
    while (buf.length - off >= pl) {
      this.hashPiece(buf.subarray(off, off + pl), pl);
      off += pl;
    }
    if (off < buf.length) {
      this.pending ??= Buffer.allocUnsafe(pl);
      buf.copy(this.pending, 0, off);
      this.pendingBytes = buf.length - off;
    }
    return this;
  }

  /** Finish and return the hashes of the pieces fed to this hasher. */
  digestRange(): PieceRangeHashes {
    if (!this.finished) {
      if (this.pendingBytes > 0) this.hashPiece(this.pending!.subarray(0, this.pendingBytes), this.pendingBytes);
      this.pendingBytes = 0;
      this.pending = null;
      this.flushChunk();
      this.finished = true;
    }
    return {
      pieceLength: this.pieceLength,
      firstPiece: this.firstPiece,
      bytes: this.bytes,
      piecesV1: this.v1 ? Buffer.concat(this.v1Out) : Buffer.alloc(0),
      lastPieceV1Unpadded: this.lastUnpadded,
      pieceHashesV2: this.v2 ? Buffer.concat(this.v2Out) : Buffer.alloc(0),
    };
  }

  /** Finish and return the whole file's hashes (the hasher must have started at piece 0). */
  digest(): FileHashes {
    if (this.firstPiece !== 0)
      throw new Error('PieceHasher: digest() needs the whole file; use digestRange() + combinePieceRanges()');
    return combinePieceRanges([this.digestRange()]);
  }

  private hashPiece(piece: Buffer, size: number): void {
    const index = this.chunkPieces;
    if (this.v1) {
      if (size === this.pieceLength) {
        hash('sha1', piece, 'buffer').copy(this.v1Chunk, index * 20);
      } else {
        const h = createHash('sha1').update(piece);
        this.lastUnpadded = h.copy().digest();
        let left = this.pieceLength - size;
        while (left > 0) {
          const n = Math.min(left, ZEROS.length);
          h.update(ZEROS.subarray(0, n));
          left -= n;
        }
        h.digest().copy(this.v1Chunk, index * 20);
      }
    }
    if (this.v2) {
      const leaves = this.leaves;
      const blocks = Math.ceil(size / BLOCK_SIZE);
      for (let b = 0, o = 0; b < blocks; b++, o += BLOCK_SIZE) {
        hash('sha256', piece.subarray(o, Math.min(o + BLOCK_SIZE, size)), 'buffer').copy(leaves, b * 32);
      }
      let root: Buffer;
      if (size < this.pieceLength && this.firstPiece + this.pieces === 0) {
        // The whole file fits in one piece: its tree has only nextPow2(blocks) leaves.
        root = merkleRoot(leaves, blocks, nextPowerOfTwo(blocks));
      } else {
        root = merkleRoot(leaves, blocks, this.blocksPerPiece);
      }
      root.copy(this.v2Chunk, index * 32);
    }
    this.pieces++;
    this.bytes += size;
    if (++this.chunkPieces === 256) this.flushChunk();
  }

  private flushChunk(): void {
    if (this.chunkPieces === 0) return;
    if (this.v1) this.v1Out.push(Buffer.from(this.v1Chunk.subarray(0, this.chunkPieces * 20)));
    if (this.v2) this.v2Out.push(Buffer.from(this.v2Chunk.subarray(0, this.chunkPieces * 32)));
    this.chunkPieces = 0;
  }
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The hashes of an empty file: no pieces, no v2 piece root (BEP 52 leaves it out). */
export function emptyFileHashes(pieceLength: number): FileHashes {
  return {
    pieceLength,
    length: 0,
    piecesV1: Buffer.alloc(0),
    lastPieceV1Unpadded: null,
    piecesRoot: null,
    pieceLayer: null,
  };
}

/**
 * Combine the hashes of consecutive piece runs of ONE file (e.g. computed by two worker threads;
 * Buffers that came through `postMessage` as Uint8Arrays are accepted) into its {@link FileHashes}.
 * Runs may be passed in any order; together they must cover pieces 0..n-1 exactly.
 */
export function combinePieceRanges(ranges: readonly PieceRangeHashes[]): FileHashes {
  if (ranges.length === 0) throw new Error('combinePieceRanges: no ranges');
  const sorted = [...ranges].sort((a, b) => a.firstPiece - b.firstPiece);
  const pieceLength = sorted[0].pieceLength;
  let expected = 0;
  let length = 0;
  sorted.forEach((r, i) => {
    if (r.pieceLength !== pieceLength) throw new Error('combinePieceRanges: ranges use different piece lengths');
    if (r.firstPiece !== expected)
      throw new Error(`combinePieceRanges: expected a range starting at piece ${expected}, got ${r.firstPiece}`);
    const count = Math.ceil(r.bytes / pieceLength);
    if (i < sorted.length - 1 && r.bytes !== count * pieceLength) {
      throw new Error(`combinePieceRanges: range at piece ${r.firstPiece} ends mid-piece but is not the last range`);
    }
    expected += count;
    length += r.bytes;
  });
  const pieces = expected;
  const last = sorted[sorted.length - 1];
  const hasV1 = sorted.every((r) => r.piecesV1.length === 20 * Math.ceil(r.bytes / pieceLength));
  const hasV2 = sorted.every((r) => r.pieceHashesV2.length === 32 * Math.ceil(r.bytes / pieceLength));
  const layer = hasV2 ? Buffer.concat(sorted.map((r) => asBuffer(r.pieceHashesV2))) : null;
  let piecesRoot: Buffer | null = null;
  let pieceLayer: Buffer | null = null;
  if (layer && pieces === 1) piecesRoot = Buffer.from(layer);
  if (layer && pieces > 1) {
    pieceLayer = layer;
    piecesRoot = merkleRoot(Buffer.from(layer), pieces, nextPowerOfTwo(pieces), log2(pieceLength / BLOCK_SIZE));
  }
  return {
    pieceLength,
    length,
    piecesV1: hasV1 ? Buffer.concat(sorted.map((r) => asBuffer(r.piecesV1))) : Buffer.alloc(0),
    lastPieceV1Unpadded: last.lastPieceV1Unpadded ? asBuffer(last.lastPieceV1Unpadded) : null,
    piecesRoot,
    pieceLayer,
  };
}

/** Hash a whole file held in memory (tests, small files). */
export function hashFileBuffer(data: Uint8Array, pieceLength: number): FileHashes {
  return new PieceHasher(pieceLength).update(data).digest();
}

/** A run of pieces of one file: what one worker should hash. */
export interface PieceRange {
  firstPiece: number;
  pieceCount: number;
  /** Byte offset of the first piece in the file. */
  offset: number;
  /** Bytes in the run (the last run may end mid-piece). */
  bytes: number;
}

/** Split a file of `length` bytes into at most `parts` runs of whole pieces, as even as possible. */
export function splitPieceRanges(length: number, pieceLength: number, parts: number): PieceRange[] {
  assertPieceLength(pieceLength);
  const pieces = Math.ceil(length / pieceLength);
  const n = Math.max(1, Math.min(parts, pieces));
  const out: PieceRange[] = [];
  let first = 0;
  for (let i = 0; i < n && first < pieces; i++) {
    const count = Math.floor(pieces / n) + (i < pieces % n ? 1 : 0);
    const offset = first * pieceLength;
    out.push({
      firstPiece: first,
      pieceCount: count,
      offset,
      bytes: Math.min(length, (first + count) * pieceLength) - offset,
    });
    first += count;
  }
  return out;
}

/** Plain-JSON form of {@link FileHashes} (base64 byte strings). */
export interface FileHashesJSON {
  pieceLength: number;
  length: number;
  piecesV1: string;
  lastPieceV1Unpadded: string | null;
  piecesRoot: string | null;
  pieceLayer: string | null;
}

export function fileHashesToJSON(h: FileHashes): FileHashesJSON {
  const b64 = (b: Buffer | null | undefined) => (b ? b.toString('base64') : null);
  return {
    pieceLength: h.pieceLength,
    length: h.length,
    piecesV1: h.piecesV1.toString('base64'),
    lastPieceV1Unpadded: b64(h.lastPieceV1Unpadded),
    piecesRoot: b64(h.piecesRoot),
    pieceLayer: b64(h.pieceLayer),
  };
}

export function fileHashesFromJSON(j: FileHashesJSON): FileHashes {
  const buf = (s: string | null) => (s === null ? null : Buffer.from(s, 'base64'));
  return {
    pieceLength: j.pieceLength,
    length: j.length,
    piecesV1: Buffer.from(j.piecesV1, 'base64'),
    lastPieceV1Unpadded: buf(j.lastPieceV1Unpadded),
    piecesRoot: buf(j.piecesRoot),
    pieceLayer: buf(j.pieceLayer),
  };
}
