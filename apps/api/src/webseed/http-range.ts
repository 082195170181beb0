/**
 * Range and conditional-request rules of RFC 9110 (§13, §14) for one representation, as pure
 * functions: the controller asks `decideResponse` what to send and only does the I/O.
 */

export interface Representation {
  size: number;
  /** Strong entity tag, quoted: `"abc"`. */
  etag: string;
  lastModified: Date;
}

export interface RequestConditions {
  method: string;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export type Decision =
  { status: 200 } | { status: 206; start: number; end: number } | { status: 304 } | { status: 416 };

/** Result of parsing one Range header against a size: a satisfiable range, unsatisfiable, or ignorable. */
export type RangeResult = { start: number; end: number } | 'unsatisfiable' | 'ignore';

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * A single byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`). Multiple ranges, other units and
 * malformed headers are 'ignore' (a server may always answer 200 with the whole representation);
 * a well-formed range that starts past the end (or a zero-length suffix) is 'unsatisfiable'.
 */
export function parseRange(header: string, size: number): RangeResult {
  const m = SINGLE_RANGE.exec(header);
  if (!m) return 'ignore';
  const [, first, last] = m;
  if (first === '' && last === '') return 'ignore';
  if (first.length > 15 || last.length > 15) return 'ignore'; // beyond Number.MAX_SAFE_INTEGER territory
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return 'ignore'; // invalid per RFC 9110 §14.1.1: the field is ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** Strong (for If-Range) or weak (for If-None-Match) comparison against a list of entity tags. */
function etagListMatches(header: string, etag: string, weak: boolean): boolean {
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.includes('*')) return true;
  const opaque = (t: string) => (t.startsWith('W/') ? t.slice(2) : t);
  return tags.some((t) => (weak ? opaque(t) === opaque(etag) : !t.startsWith('W/') && t === etag));
}

function httpDate(value: string | undefined): number | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** HTTP dates have one-second resolution. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

/** What to answer a GET or HEAD for `rep`, given the request's Range and conditional headers. */
export function decideResponse(rep: Representation, req: RequestConditions): Decision {
  if (req.ifNoneMatch !== undefined) {
    if (etagListMatches(req.ifNoneMatch, rep.etag, true)) return { status: 304 };
  } else {
    const since = httpDate(req.ifModifiedSince);
    if (since !== null && seconds(rep.lastModified) <= since) return { status: 304 };
  }
  if (!req.range) return { status: 200 };
  if (req.ifRange !== undefined && !ifRangeHolds(req.ifRange, rep)) return { status: 200 };
  const range = parseRange(req.range, rep.size);
  if (range === 'ignore') return { status: 200 };
  if (range === 'unsatisfiable') return { status: 416 };
  return { status: 206, ...range };
}

function ifRangeHolds(value: string, rep: Representation): boolean {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return etagListMatches(v, rep.etag, false);
  const date = httpDate(v);
  return date !== null && date === seconds(rep.lastModified);
}
