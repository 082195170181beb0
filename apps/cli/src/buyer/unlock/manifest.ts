import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, ExitCode } from '../../cli-error';

export const MANIFEST_NAME = 'keyseed.json';

/** One item of `keyseed.json` (docs/torrent-format.md). */
export interface ManifestItem {
  /** Item id when the manifest carries it (keys are delivered per item id). */
  id: string | null;
  /** Plaintext path below the bundle folder. */
  path: string;
  /** Path inside the torrent: `<path>.locked` for a locked item. */
  torrentPath: string;
  locked: boolean;
  size: number;
  /** Hex SHA-256 of the plaintext: only in format-1 manifests (format 2 delivers it sealed with the key). */
  sha256: string | null;
  /** Key-check value of a locked item's content key, 16 hex digits (format 2). */
  kcvHex: string | null;
  previewPieces: number;
}

/** `keyseed.json`: what a torrent carries so that its holder can find where to buy and how to unlock. */
export interface BundleManifest {
  version: number;
  bundleId: string;
  slug: string;
  title: string;
  /** API origin (no `/v1`). */
  api: string | null;
  pieceLength: number | null;
  items: ManifestItem[];
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;

/** Parses `keyseed.json` leniently about field spellings, strictly about what unlocking needs. */
export function parseManifest(text: string, where = MANIFEST_NAME): BundleManifest {
  let doc: Raw;
  try {
    doc = JSON.parse(text) as Raw;
  } catch (err) {
    throw new CliError(`${where} is not valid JSON: ${(err as Error).message}`, ExitCode.CorruptData);
  }
  const bundle = (typeof doc.bundle === 'object' && doc.bundle !== null ? doc.bundle : {}) as Raw;
  const bundleId = str(doc.bundleId) ?? str(bundle.id);
  const slug = str(doc.slug) ?? str(bundle.slug);
  if (!bundleId || !slug)
    throw new CliError(`${where} has no bundleId/slug: is this a Keyseed bundle?`, ExitCode.InvalidInput);
  const rawItems = Array.isArray(doc.items) ? (doc.items as Raw[]) : [];
  const items = rawItems.map((it, i): ManifestItem => {
    const path = str(it.path);
    const size = num(it.size);
    if (!path || size === null) throw new CliError(`${where}: items[${i}] has no path or size`, ExitCode.CorruptData);
    if (
      path.split('/').some((p) => p === '' || p === '.' || p === '..') ||
      path.includes('\\') ||
      path.includes('\0')
    ) {
      throw new CliError(`${where}: items[${i}] has an unsafe path ${JSON.stringify(path)}`, ExitCode.CorruptData);
    }
    const sha = str(it.sha256) ?? str(it.plaintextSha256) ?? str(it.plaintext_sha256);
    return {
      id: str(it.id) ?? str(it.itemId),
      path,
      torrentPath: safeTorrentPath(str(it.torrentPath), path, it.locked !== false),
      locked: it.locked !== false,
      size,
      sha256: sha ? sha.toLowerCase() : null,
      kcvHex: str(it.kcvHex)?.toLowerCase() ?? null,
      previewPieces: num(it.previewPieces) ?? 0,
    };
  });
  const api = str(doc.api) ?? str(doc.apiBaseUrl) ?? str(doc.apiBase) ?? str(doc.apiUrl);
  return {
    version: num(doc.v) ?? num(doc.version) ?? num(doc.formatVersion) ?? 1,
    bundleId,
    slug,
    title: str(doc.title) ?? str(bundle.title) ?? slug,
    api: api ? api.replace(/\/+$/, '').replace(/\/v1$/, '') : null,
    pieceLength: num(doc.pieceLength) ?? num(bundle.pieceLength),
    items,
  };
}

function safeTorrentPath(given: string | null, path: string, locked: boolean): string {
  const fallback = locked ? `${path}.locked` : path;
  if (
    !given ||
    given.split('/').some((p) => p === '' || p === '.' || p === '..') ||
    given.includes('\\') ||
    given.includes('\0')
  )
    return fallback;
  return given;
}

/**
 * Finds the bundle folder (the one holding `keyseed.json`) in what a BitTorrent client left:
 * `<dir>` itself (files directly), or `<dir>/<slug>` (aria2, Transmission, webtorrent: the torrent's
 * name as a folder), or a single subfolder holding it.
 */
export function findBundleRoot(dir: string): { root: string; manifest: BundleManifest } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(`${dir} is not a directory`, ExitCode.InvalidInput);
  const candidates = [
    dir,
    ...readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name)),
  ];
  const found = candidates.filter((c) => existsSync(join(c, MANIFEST_NAME)));
  if (found.length === 0) {
    throw new CliError(
      `no ${MANIFEST_NAME} in ${dir} or its subfolders: point \`keyseed unlock\` at the folder your BitTorrent client downloaded the bundle to`,
      ExitCode.NotFound,
    );
  }
  if (found.length > 1 && found[0] !== dir) {
    throw new CliError(
      `${dir} holds several bundles (${found.map((f) => f.slice(dir.length + 1)).join(', ')}); name one of them`,
      ExitCode.InvalidInput,
    );
  }
  const root = found[0];
  const path = join(root, MANIFEST_NAME);
  return { root, manifest: parseManifest(readFileSync(path, 'utf8'), path) };
}
