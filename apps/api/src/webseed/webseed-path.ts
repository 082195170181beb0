/**
 * Turns the raw request target of a BEP 19 webseed request (`/webseed/<slug>/<path…>`) into the
 * bundle slug and the file path inside the torrent. Decoding is done here, per path component,
 * from the raw URL: `%2F` inside a component must not become a separator, `+` is a plus (URLs
 * are not form data), and hex escapes may be upper- or lower-case.
 */

export type WebseedTarget =
  { kind: 'file'; slug: string; relPath: string } | { kind: 'pad'; slug: string; size: number };

export class WebseedPathError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

/** Largest BEP 47 pad file served: a pad is always shorter than a piece (≤ 16 MiB). */
export const MAX_PAD_BYTES = 16 * 1024 * 1024;

const PREFIX = '/webseed/';

function decodeComponent(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new WebseedPathError(`path component ${JSON.stringify(raw)} is not valid percent-encoded UTF-8`, 400);
  }
  if (decoded === '' || decoded === '.' || decoded === '..')
    throw new WebseedPathError('empty, "." and ".." path components are not allowed', 400);
  if (/[/\\\0]/.test(decoded)) throw new WebseedPathError('path components may not contain "/", "\\" or NUL', 400);
  return decoded;
}

/** `originalUrl` is the raw request target (path + optional query), as received. */
export function parseWebseedTarget(originalUrl: string): WebseedTarget {
  const q = originalUrl.indexOf('?');
  const path = q === -1 ? originalUrl : originalUrl.slice(0, q);
  if (!path.startsWith(PREFIX)) throw new WebseedPathError('not a webseed path', 404);
  const parts = path.slice(PREFIX.length).split('/').map(decodeComponent);
  if (parts.length < 2) throw new WebseedPathError('expected /webseed/<bundle slug>/<file path>', 404);
  const [slug, ...rest] = parts;
  if (rest.length === 2 && rest[0] === '.pad') {
    if (!/^[1-9]\d{0,8}$/.test(rest[1]) || Number(rest[1]) > MAX_PAD_BYTES) {
      throw new WebseedPathError(`pad file size must be 1..${MAX_PAD_BYTES} bytes`, 404);
    }
    return { kind: 'pad', slug, size: Number(rest[1]) };
  }
  return { kind: 'file', slug, relPath: rest.join('/') };
}
