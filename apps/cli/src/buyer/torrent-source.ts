import { readFileSync } from 'node:fs';
import { parseTorrent } from '@keyseed/torrent';
import { ApiClient } from '../api-client';
import { CliError, ExitCode } from '../cli-error';
import { parseBundleRef, type BundleRef } from './bundle-ref';
import { openSession } from './session';

export interface TorrentSource {
  /** .torrent bytes, or a magnet link webtorrent resolves through peers. */
  torrent: Buffer | string;
  /** Bundle slug (= torrent name) when known. */
  slug: string | null;
  /** The API the bundle came from, when known. */
  api: ApiClient | null;
}

/**
 * Turns `<slug|bundle-url|magnet|file.torrent>` into something webtorrent can download. Slugs and
 * URLs get the hybrid torrent from the catalog (its pad files are kept virtual by the download).
 * A magnet link whose tracker is a Keyseed API is swapped for that API's .torrent when its
 * info-hash matches, so no peer is needed for the metadata.
 */
export async function resolveTorrentSource(input: string, apiOverride?: string): Promise<TorrentSource> {
  const ref: BundleRef = parseBundleRef(input);
  if (ref.kind === 'torrent-file') {
    const buf = readFileSync(ref.path);
    let name: string;
    try {
      name = parseTorrent(buf).name;
    } catch (err) {
      throw new CliError(`${ref.path}: ${(err as Error).message}`, ExitCode.InvalidInput);
    }
    return { torrent: buf, slug: name, api: null };
  }
  if (ref.kind === 'magnet') {
    if (ref.slug && ref.api) {
      const api = new ApiClient(ref.api);
      const btih = /xt=urn:btih:([0-9a-f]{40})/i.exec(ref.magnet)?.[1]?.toLowerCase();
      for (const format of ['hybrid', 'v1'] as const) {
        try {
          const buf = await api.catalogTorrent(ref.slug, format);
          if (parseTorrent(buf).infoHashV1 === btih) return { torrent: buf, slug: ref.slug, api };
        } catch {
          /* fall back to the magnet itself */
        }
      }
    }
    return { torrent: ref.magnet, slug: ref.slug, api: null };
  }
  const api = ref.api && !apiOverride ? new ApiClient(ref.api) : openSession({ api: apiOverride }).api;
  return { torrent: await api.catalogTorrent(ref.slug, 'hybrid'), slug: ref.slug, api };
}
