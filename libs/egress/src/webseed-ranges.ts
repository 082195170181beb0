import type Redis from 'ioredis';

/**
 * Byte ranges the webseed is sending to BitTorrent clients, as a Redis stream `<prefix>:webseed:ranges`
 * shared by every API replica and read by the platform seeds: a super-seeding seed does not offer a
 * peer's swarm the pieces that peer is already fetching from the webseed (docs/operations.md,
 * platform seed). Only the last STREAM_LENGTH ranges are kept: the seed reads them as they come.
 */
const STREAM_LENGTH = 10_000;

export interface WebseedRange {
  bundleId: string;
  /** Path of the file inside the torrent, below the bundle folder. */
  path: string;
  /** The client's address, as the tracker and the webseed's policy see it. */
  client: string;
  /** First and last byte of the range, in the file. */
  start: number;
  end: number;
}

function key(redisPrefix: string): string {
  return `${redisPrefix}:webseed:ranges`;
}

export async function publishWebseedRange(redis: Redis, redisPrefix: string, r: WebseedRange): Promise<void> {
  await redis.xadd(
    key(redisPrefix),
    'MAXLEN',
    '~',
    STREAM_LENGTH,
    '*',
    'b',
    r.bundleId,
    'p',
    r.path,
    'c',
    r.client,
    's',
    r.start,
    'e',
    r.end,
  );
}

/** Where to start reading: ranges published from now on. */
export function webseedRangesFromNow(): string {
  return `${Date.now()}-0`;
}

/**
 * Ranges published after the entry `after`, waiting up to `blockMs` for one (a blocking read: give
 * it a connection of its own). Returns them and the id to read after next time.
 */
export async function readWebseedRanges(
  redis: Redis,
  redisPrefix: string,
  after: string,
  blockMs: number,
): Promise<{ ranges: WebseedRange[]; last: string }> {
  const answer = await redis.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', key(redisPrefix), after);
  const entries = answer?.[0]?.[1] ?? [];
  const ranges: WebseedRange[] = [];
  for (const [, fields] of entries) {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
    const start = Number(f.get('s'));
    const end = Number(f.get('e'));
    const [bundleId, path, client] = [f.get('b'), f.get('p'), f.get('c')];
    if (bundleId && path && client && Number.isSafeInteger(start) && Number.isSafeInteger(end) && start <= end)
      ranges.push({ bundleId, path, client, start, end });
  }
  return { ranges, last: entries.at(-1)?.[0] ?? after };
}

/** An address as both sides compare it: IPv4-mapped IPv6 as plain IPv4, lower case. */
export function comparableAddress(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
