/**
 * Item paths are paths inside the torrent, below the bundle folder. They end up as file names on
 * every buyer's disk (Windows, macOS, Linux), so they are checked strictly here, once.
 */

/** Names the torrent itself uses: the manifest at the top and BEP 47 pad files under `.pad/`. */
const RESERVED_TOP_LEVEL = ['keyseed.json', '.pad'];
const LOCKED_SUFFIX = '.locked';
// C0 and C1 control characters, DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Characters Windows refuses in file names (besides '\' and control characters). */
const NOT_PORTABLE = /[<>:"|?*]/;
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

/** The problem with `path` as an item path, or null when it is safe. */
export function itemPathProblem(path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0)
    return 'must be a non-empty relative path such as "extras/trailer.mp4"';
  if (CONTROL.test(path)) return 'must not contain control characters';
  if (path.includes('\\')) return 'must use "/" as separator, not backslashes';
  if (path.startsWith('/')) return 'must be relative, not absolute';
  if (NOT_PORTABLE.test(path)) return 'must not contain any of < > : " | ? * (not portable to Windows)';
  const normalized = path.normalize('NFC');
  if (Buffer.byteLength(normalized) > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes long`;
  const segments = normalized.split('/');
  for (const segment of segments) {
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
    if (segment.trim() !== segment || segment.endsWith('.'))
      return `segment "${segment}" must not start or end with spaces or end with "."`;
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      return `segment "${segment.slice(0, 20)}…" is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  if (RESERVED_TOP_LEVEL.includes(segments[0].toLowerCase()))
    return `"${segments[0]}" is reserved by the torrent layout`;
  return null;
}

/** The stored form of a valid item path (NFC). */
export function normalizeItemPath(path: string): string {
  return path.normalize('NFC');
}

/** The file name an item has inside the torrent: locked items carry `.locked`. */
export function torrentPath(path: string, locked: boolean): string {
  return locked ? `${path}${LOCKED_SUFFIX}` : path;
}

export interface PathEntry {
  path: string;
  locked: boolean;
}

/**
 * Pairs of entries whose files would collide on a buyer's disk: equal names after NFC and case
 * folding (macOS and Windows are case-insensitive), including the `.locked` name of a locked item
 * and the name it gets back when unlocked, or a file that is also another item's folder.
 * Returns `[i, j]` index pairs (i < j).
 */
export function pathCollisions(entries: PathEntry[]): Array<[number, number]> {
  const fold = (p: string) => p.normalize('NFC').toLowerCase();
  const names = entries.map((e) => new Set([fold(e.path), fold(torrentPath(e.path, e.locked))]));
  const collisions: Array<[number, number]> = [];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      if (clash(names[i], names[j])) collisions.push([i, j]);
    }
  }
  return collisions;
}

function clash(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)) return true;
    }
  }
  return false;
}
