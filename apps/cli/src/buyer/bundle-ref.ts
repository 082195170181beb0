import { existsSync } from 'node:fs';
import { CliError, ExitCode } from '../cli-error';

/** What a buyer may name a bundle by on the command line. */
export type BundleRef =
  | { kind: 'slug'; slug: string; api?: string }
  | { kind: 'magnet'; magnet: string; slug: string | null; api?: string }
  | { kind: 'torrent-file'; path: string };

const SLUG = /^[a-z0-9][a-z0-9-]{0,199}$/i;

/**
 * `<slug>`, a bundle URL (`https://host/bundles/<slug>`, `…/v1/catalog/<slug>[/torrent]`,
 * `…/b/<slug>`), a magnet link, or a path to a `.torrent` file.
 */
export function parseBundleRef(input: string): BundleRef {
  const s = input.trim();
  if (s.startsWith('magnet:')) {
    const params = new URLSearchParams(s.slice(s.indexOf('?') + 1));
    const tr = params.getAll('tr').concat(params.getAll('ws'));
    const api = tr
      .map((u) => {
        try {
          return new URL(u).origin;
        } catch {
          return null;
        }
      })
      .find((o): o is string => Boolean(o));
    return { kind: 'magnet', magnet: s, slug: params.get('dn'), api };
  }
  if (/^https?:\/\//i.test(s)) {
    const url = new URL(s);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const at = parts.findIndex((p) => p === 'catalog' || p === 'bundles' || p === 'b' || p === 'webseed');
    const slug = at >= 0 ? parts[at + 1] : parts[parts.length - 1];
    if (!slug || !SLUG.test(slug))
      throw new CliError(
        `cannot find a bundle slug in ${s}; expected a URL like ${url.origin}/bundles/<slug>`,
        ExitCode.InvalidInput,
      );
    const prefix = parts.slice(0, Math.max(0, at)).filter((p) => p !== 'v1');
    return { kind: 'slug', slug, api: `${url.origin}${prefix.length ? `/${prefix.join('/')}` : ''}` };
  }
  if (s.endsWith('.torrent') || existsSync(s)) {
    if (!existsSync(s)) throw new CliError(`${s}: no such file`, ExitCode.NotFound);
    return { kind: 'torrent-file', path: s };
  }
  if (!SLUG.test(s))
    throw new CliError(
      `"${s}" is neither a bundle slug, a bundle URL, a magnet link nor a .torrent file`,
      ExitCode.InvalidInput,
    );
  return { kind: 'slug', slug: s.toLowerCase() };
}
