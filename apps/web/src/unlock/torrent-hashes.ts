import bencode from 'bencode';
import { toHex } from './bytes';
import { UnlockError } from './errors';

/**
 * The ciphertext hashes of one file of a bundle's .torrent (docs/torrent-format.md), read in the
 * browser: the v2 piece layer (SHA-256 merkle roots per piece) when the torrent has one for the
 * file, and the v1 SHA-1 piece hashes when the file starts on a piece boundary (Keyseed's hybrid
 * torrents pad every file, so it does).
 */
export interface FileHashes {
  /** Path inside the torrent's folder, e.g. `film.mkv.locked`. */
  path: string;
  size: number;
  pieceLength: number;
  /** ceil(size / pieceLength). */
  pieceCount: number;
  /** 32 bytes per piece: the v2 piece layer, or null (no v2, or a file of one piece). */
  pieceLayer: Uint8Array | null;
  /** v2 pieces root, for a file of one piece (its only hash). */
  piecesRoot: Uint8Array | null;
  /** 20 bytes per piece: v1 SHA-1 hashes of the file's pieces, or null. */
  v1: Uint8Array | null;
  /**
   * Bytes the v1 hash of the last piece covers: the file's tail plus the zeros of the BEP 47 pad
   * file that follows it, or just the tail when the file ends the torrent. null: another real file
   * shares that piece, so it cannot be checked on its own.
   */
  v1LastSpan: number | null;
}

type Dict = Record<string, unknown>;

/** The hashes of file `path` (below the torrent's folder) in `torrent`; throws when they are missing. */
export function fileHashes(torrent: Uint8Array, path: string): FileHashes {
  let top: Dict;
  try {
    top = bencode.decode(torrent) as Dict;
  } catch (err) {
    throw bad(`the bundle's .torrent is not valid bencode (${(err as Error).message})`);
  }
  const info = dict(top?.info, 'info');
  const pieceLength = int(info['piece length'], 'piece length');
  const segments = path.split('/');

  let size: number | null = null;
  let v1: Uint8Array | null = null;
  let v1LastSpan: number | null = null;
  if (info.pieces instanceof Uint8Array && Array.isArray(info.files)) {
    const files = (info.files as unknown[]).map((f, i) => {
      const d = dict(f, `files[${i}]`);
      const p = Array.isArray(d.path) ? (d.path as unknown[]).map((s) => text(s)) : [];
      const attr = d.attr instanceof Uint8Array ? text(d.attr) : '';
      return { path: p.join('/'), length: int(d.length, `files[${i}].length`), pad: attr.includes('p') };
    });
    let offset = 0;
    const offsets = files.map((f) => ((offset += f.length), offset - f.length));
    const index = files.findIndex((f) => !f.pad && f.path === path);
    if (index >= 0 && offsets[index] % pieceLength === 0) {
      const file = files[index];
      size = file.length;
      const count = Math.ceil(file.length / pieceLength);
      const first = offsets[index] / pieceLength;
      v1 = info.pieces.subarray(first * 20, (first + count) * 20);
      const tail = file.length - (count - 1) * pieceLength;
      const next = files[index + 1];
      if (tail === pieceLength || !next) v1LastSpan = tail;
      else if (next.pad) v1LastSpan = Math.min(pieceLength, offset - (first + count - 1) * pieceLength);
      if (v1.length !== count * 20) v1 = null;
    }
  }

  let pieceLayer: Uint8Array | null = null;
  let piecesRoot: Uint8Array | null = null;
  if (info['file tree'] !== undefined) {
    let node: unknown = info['file tree'];
    for (const s of segments) node = (node as Dict | undefined)?.[s];
    const leaf = (node as Dict | undefined)?.[''] as Dict | undefined;
    if (leaf && typeof leaf === 'object') {
      const length = int(leaf.length, `file tree ${path} length`);
      if (size !== null && size !== length) throw bad(`the .torrent's v1 and v2 sizes of ${path} differ`);
      size = length;
      if (leaf['pieces root'] instanceof Uint8Array && leaf['pieces root'].length === 32) {
        piecesRoot = leaf['pieces root'];
        const layers = top['piece layers'] as Dict | undefined;
        const layer = layers?.[layerKey(piecesRoot)];
        if (layer instanceof Uint8Array && layer.length === Math.ceil(length / pieceLength) * 32) pieceLayer = layer;
      }
    }
  }
  if (size === null) throw bad(`the bundle's .torrent has no file ${path} starting on a piece boundary`);
  const pieceCount = Math.ceil(size / pieceLength);
  if (!pieceLayer && !(piecesRoot && pieceCount === 1) && !v1)
    throw bad(`the bundle's .torrent carries no piece hashes for ${path}`);
  return {
    path,
    size,
    pieceLength,
    pieceCount,
    pieceLayer,
    piecesRoot: pieceCount === 1 ? piecesRoot : null,
    v1,
    v1LastSpan,
  };
}

/** How the `bencode` package names a binary dictionary key: its UTF-8 text, or hex when that is not valid UTF-8. */
function layerKey(root: Uint8Array): string {
  const asText = new TextDecoder().decode(root);
  return asText.includes('\uFFFD') ? toHex(root) : asText;
}

function dict(v: unknown, what: string): Dict {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw bad(`the bundle's .torrent has no valid ${what}`);
  return v as Dict;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw bad(`the bundle's .torrent has no valid ${what}`);
  return v;
}

function text(v: unknown): string {
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : typeof v === 'string' ? v : '';
}

function bad(message: string): UnlockError {
  return new UnlockError('API_ERROR', message);
}
