/**
 * `keyseed.json` (docs/torrent-format.md): carried inside the torrent (plain) so that anyone holding only the
 * torrent can find where to buy and how to unlock. Deterministic: fixed key order, items in bundle
 * order, two-space indentation and a final newline — the same inputs always give the same bytes
 * (and so the same piece hashes and info-hashes).
 *
 * Format 2: a locked item carries its key-check value `kcvHex` (docs/key-scheme.md) so a client
 * can tell a wrong key before decrypting anything; the plaintext SHA-256 is not public (it would let
 * anyone holding a copy of a file confirm it is in the bundle) and travels inside the sealed
 * delivery instead.
 */
export const MANIFEST_FORMAT_VERSION = 2;
export const MANIFEST_PATH = 'keyseed.json';

export interface ManifestItemInput {
  id: string;
  path: string;
  locked: boolean;
  size: number;
  /** Key-check value of a locked item's content key (16 hex digits); null for free items. */
  kcvHex: string | null;
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
      ...(i.locked ? { kcvHex: i.kcvHex } : {}),
      previewPieces: i.previewPieces,
    })),
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}
