/**
 * Path safety for names inside a torrent. A path is given as a POSIX string (`dir/sub/file.mkv`)
 * or as segments; it must be relative, non-empty, without `.`/`..`, empty segments, NUL or other
 * control characters (C0, DEL, C1), and must be valid Unicode (no lone surrogates). Names are kept
 * exactly as given (UTF-8 in the torrent), not normalised.
 *
 * Collisions: two paths that are equal after Unicode NFC normalisation (`é` precomposed vs
 * `e` + combining accent) are rejected, because macOS and many clients normalise names and would
 * write both to the same file. Case-only differences (`A.mkv`, `a.mkv`) are allowed: they are
 * distinct files on Linux and on the v2 file tree, and refusing them would reject valid content.
 * A file and a directory of the same name (`a` and `a/b`) also collide.
 */

export class UnsafePathError extends Error {}

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** Validate one path and return its segments. */
export function safePathSegments(path: string | readonly string[]): string[] {
  const shown = typeof path === 'string' ? path : path.join('/');
  const fail = (why: string): never => {
    throw new UnsafePathError(`unsafe path ${JSON.stringify(shown)}: ${why}`);
  };
  if (typeof path === 'string') {
    if (path.length === 0) fail('empty path');
    if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\'))
      fail('absolute paths are not allowed');
  }
  const segments = typeof path === 'string' ? path.split('/') : [...path];
  if (segments.length === 0) fail('empty path');
  for (const s of segments) {
    if (s.length === 0) fail('empty path segment');
    if (s === '.' || s === '..') fail(`"${s}" segments are not allowed`);
    if (s.includes('\u0000')) fail('NUL character');
    if (CONTROL.test(s)) fail('control character');
    if (s.includes('\\')) fail('backslash in a name (path separators must be "/")');
    if (/\p{Cs}/u.test(s)) fail('not valid Unicode (lone surrogate)');
  }
  return segments;
}

/** Validate a set of paths (each as above) and reject NFC and file/directory collisions. */
export function assertSafePaths(paths: readonly (string | readonly string[])[]): string[][] {
  const seen = new Map<string, string>();
  const files = new Set<string>();
  const out = paths.map((p) => safePathSegments(p));
  out.forEach((segments) => {
    const shown = segments.join('/');
    const key = segments.map((s) => s.normalize('NFC')).join('/');
    const prior = seen.get(key);
    if (prior !== undefined) {
      throw new UnsafePathError(
        prior === shown
          ? `duplicate path ${JSON.stringify(shown)}`
          : `paths ${JSON.stringify(prior)} and ${JSON.stringify(shown)} are the same name after Unicode NFC normalisation`,
      );
    }
    seen.set(key, shown);
    files.add(key);
  });
  for (const key of files) {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (files.has(dir)) throw new UnsafePathError(`path ${JSON.stringify(dir)} is both a file and a directory`);
    }
  }
  return out;
}

/** Byte-wise, segment by segment: the order of the v2 file tree (and of libtorrent's canonical files). */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(a[i], 'utf8'), Buffer.from(b[i], 'utf8'));
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
