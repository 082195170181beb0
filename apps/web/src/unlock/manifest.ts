import { UnlockError } from './errors';

/** The parts of a bundle's `keyseed.json` (docs/torrent-format.md) that unlocking needs. */
export interface ManifestItem {
  id: string | null;
  path: string;
  /** Name inside the torrent: `<path>.locked` for locked items. */
  torrentPath: string;
  locked: boolean;
  size: number;
  previewPieces: number;
  /** Key-check value of a locked item's content key (`kcvHex`, format 2). */
  kcv: string | null;
  /** Hex plaintext SHA-256: format 1 manifests only (format 2 carries it inside the sealed delivery). */
  plaintextSha256: string | null;
}

export interface BundleManifest {
  bundleId: string;
  slug: string;
  title: string;
  pieceLength: number | null;
  items: ManifestItem[];
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** Parses `keyseed.json`; refuses unsafe paths (it may come from any peer's copy). */
export function parseManifest(text: string): BundleManifest {
  let doc: Raw;
  try {
    doc = JSON.parse(text) as Raw;
  } catch {
    throw bad('keyseed.json is not valid JSON');
  }
  const bundleId = str(doc?.bundleId);
  const slug = str(doc?.slug);
  if (!bundleId || !slug) throw bad('keyseed.json names no bundle: is this a Keyseed bundle folder?');
  const items = (Array.isArray(doc.items) ? (doc.items as Raw[]) : []).map((it, i): ManifestItem => {
    const path = str(it?.path);
    const size = num(it?.size);
    if (!path || size === null || !safe(path)) throw bad(`keyseed.json: item ${i} has no safe path or size`);
    const locked = it.locked !== false;
    const torrentPath = str(it.torrentPath);
    return {
      id: str(it.id) ?? str(it.itemId),
      path,
      torrentPath: torrentPath && safe(torrentPath) ? torrentPath : locked ? `${path}.locked` : path,
      locked,
      size,
      previewPieces: num(it.previewPieces) ?? 0,
      kcv: str(it.kcvHex),
      plaintextSha256: str(it.plaintextSha256)?.toLowerCase() ?? null,
    };
  });
  return { bundleId, slug, title: str(doc.title) ?? slug, pieceLength: num(doc.pieceLength), items };
}

function safe(path: string): boolean {
  return !path.split('/').some((p) => p === '' || p === '.' || p === '..') && !/[\\\0]/.test(path);
}

function bad(message: string): UnlockError {
  return new UnlockError('MISSING_FILE', message);
}
