import type { DeviceStore } from './device-store';
import { UnlockError } from './errors';
import { licenseKeys, previewKeys, type ApiFetch, type ItemKeys } from './keys-client';
import { parseManifest, type BundleManifest, type ManifestItem } from './manifest';
import { assertKeyCheckValue } from './piece-keys';
import type { SessionSpec } from './sw-protocol';
import { fileHashes } from './torrent-hashes';

/**
 * Everything needed to watch or download one locked item, gathered on the page: the bundle's
 * `keyseed.json` (item id, key-check value) and `.torrent` (ciphertext hashes) from the platform,
 * and the item's keys sealed to this browser. The content key is checked against the manifest's
 * key-check value before anything is decrypted.
 */
export interface PreparedItem {
  manifest: BundleManifest;
  item: ManifestItem;
  spec: Omit<SessionSpec, 'id'>;
}

export interface PrepareOptions {
  api: ApiFetch;
  devices: DeviceStore;
  slug: string;
  /** The item's plaintext path in the bundle (as the catalog lists it). */
  path: string;
  /** The buyer's license, or 'preview' for the free preview pieces (no account needed). */
  license: { id: string } | 'preview';
  fetchFn?: typeof fetch;
}

export async function prepareLockedItem(opts: PrepareOptions): Promise<PreparedItem> {
  const fetchFn = opts.fetchFn ?? fetch.bind(globalThis);
  const base = `/webseed/${encodeURIComponent(opts.slug)}/`;
  // A license's keys (every locked item's: the item's id is in the manifest) are asked for while the
  // manifest and torrent load: one round trip less before the first frame. Their failures come second.
  const licenseItemKeys = opts.license === 'preview' ? null : licenseKeys(opts.api, opts.devices, opts.license.id);
  licenseItemKeys?.catch(() => undefined);
  const [manifestText, torrent] = await Promise.all([
    getBytes(fetchFn, `${base}keyseed.json`).then((b) => new TextDecoder().decode(b)),
    getBytes(fetchFn, `/v1/catalog/${encodeURIComponent(opts.slug)}/torrent`),
  ]);
  const manifest = parseManifest(manifestText);
  const item = manifest.items.find((i) => i.path === opts.path && i.locked);
  if (!item?.id) throw new UnlockError('API_ERROR', `${opts.path} is not a locked item of this bundle`);

  let keys: ItemKeys | undefined;
  if (opts.license === 'preview') {
    if (item.previewPieces === 0) throw new UnlockError('NO_PREVIEW', `${item.path} has no free preview`);
    keys = (await previewKeys(opts.api, opts.devices, manifest.bundleId, [item.id])).get(item.id);
  } else keys = (await licenseItemKeys!).get(item.id);
  if (!keys) throw new UnlockError('API_ERROR', `the platform delivered no keys for ${item.path}`);
  if (keys.keys.kind === 'content' && item.kcv) await assertKeyCheckValue(keys.keys.contentKey, item.kcv, item.path);

  return {
    manifest,
    item,
    spec: {
      path: item.path,
      webseedUrl: base + item.torrentPath.split('/').map(encodeURIComponent).join('/'),
      contentType: contentTypeOf(item.path),
      hashes: fileHashes(torrent, item.torrentPath),
      keys: keys.keys,
      plaintextSha256: keys.plaintextSha256 ?? (opts.license === 'preview' ? null : item.plaintextSha256),
      plaintextPieceRoot: keys.plaintextPieceRoot,
    },
  };
}

async function getBytes(fetchFn: typeof fetch, url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFn(url, { cache: 'no-cache' });
  } catch (err) {
    throw new UnlockError(
      'API_UNREACHABLE',
      `the platform did not answer (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
  if (res.status === 404 || res.status === 410)
    throw new UnlockError('TAKEN_DOWN', 'this bundle is no longer published (taken down or unlisted)', {
      status: res.status,
    });
  if (!res.ok) throw new UnlockError('API_ERROR', `${url} answered ${res.status}`, { status: res.status });
  return new Uint8Array(await res.arrayBuffer());
}

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  ogv: 'video/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** The media type a `<video>` needs, from the file's extension. */
export function contentTypeOf(path: string): string {
  return TYPES[path.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}
