import type { ApiClient, CatalogBundle } from '../api-client';
import { CliError, ExitCode } from '../cli-error';
import { parseManifest, type BundleManifest } from './unlock/manifest';

/** A bundle as the buyer's commands need it: the catalog page plus its id (from the manifest when the catalog omits it). */
export interface BundleInfo {
  id: string;
  slug: string;
  title: string;
  catalog: CatalogBundle;
}

/** The bundle's `keyseed.json`, fetched from the webseed (public, a few hundred bytes). */
export async function fetchManifest(api: ApiClient, slug: string): Promise<BundleManifest> {
  const res = await api.request('GET', `/webseed/${encodeURIComponent(slug)}/keyseed.json`);
  return parseManifest(await res.text(), `${api.base}/webseed/${slug}/keyseed.json`);
}

export async function bundleInfo(api: ApiClient, slug: string): Promise<BundleInfo> {
  const catalog = await api.catalogBundle(slug);
  let id = (catalog as { id?: string }).id;
  if (!id) {
    try {
      id = (await fetchManifest(api, slug)).bundleId;
    } catch (err) {
      throw new CliError(
        `bundle ${slug} is not published yet (no keyseed.json on the webseed): ${(err as Error).message}`,
        ExitCode.NotFound,
      );
    }
  }
  return { id, slug: catalog.slug ?? slug, title: catalog.title ?? slug, catalog };
}
