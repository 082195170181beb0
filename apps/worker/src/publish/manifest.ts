/**
 * `keyseed.json` (docs/torrent-format.md): carried inside the torrent (plain) so that anyone holding only the
 * torrent can find where to buy and how to unlock. Deterministic: fixed key order, items in bundle
 * order, two-space indentation and a final newline — the same inputs always give the same bytes
 * (and so the same piece hashes and info-hashes).
 */
export const MANIFEST_FORMAT_VERSION = 1;
export const MANIFEST_PATH = 'keyseed.json';

export interface ManifestItemInput {
  id: string;
  path: string;
  locked: boolean;
  size: number;
  plaintextSha256: string;
  previewPieces: number;
}

export interface ManifestInput {
  bundleId: string;
  slug: string;
  title: string;
  /** The platform's public base URL (PUBLIC_URL); the REST API lives under `<apiBaseUrl>/v1`. */
  apiBaseUrl: string;
  pieceLength: number;
  /** In bundle order. */
  items: readonly ManifestItemInput[];
}

export function buildManifest(m: ManifestInput): Buffer {
  const doc = {
    format: 'keyseed',
    formatVersion: MANIFEST_FORMAT_VERSION,
    bundleId: m.bundleId,
    slug: m.slug,
    title: m.title,
    apiBaseUrl: m.apiBaseUrl.replace(/\/+$/, ''),
    pieceLength: m.pieceLength,
    items: m.items.map((i) => ({
      id: i.id,
      path: i.path,
      /** Name inside the torrent: locked items carry `.locked` until unlocked. */
      torrentPath: i.locked ? `${i.path}.locked` : i.path,
      locked: i.locked,
      size: i.size,
      plaintextSha256: i.plaintextSha256,
      previewPieces: i.previewPieces,
    })),
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}
