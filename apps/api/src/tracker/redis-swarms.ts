import type Redis from 'ioredis';

/**
 * One announce, atomically: the address's rate-limit window, expiry of peers that stopped
 * announcing, the peer's move into the seeders or leechers set (scored by its expiry time), the
 * counts, and up to numwant random other peers (a seeder gets only leechers; never itself).
 * KEYS: seeders, leechers, rate counter. ARGV: now, expiresAt, peer, event, seeder(1/0), numwant,
 * swarm key ttl ms, rate limit, rate window ttl s. Returns {-1} when rate-limited, else
 * {complete, incomplete, peers}.
 */
const ANNOUNCE = `
local n = redis.call('INCR', KEYS[3])
if n == 1 then redis.call('EXPIRE', KEYS[3], ARGV[9]) end
if n > tonumber(ARGV[8]) then return {-1} end
local now = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local me = ARGV[3]
local seeder = ARGV[5] == '1'
if ARGV[4] == 'stopped' then
  redis.call('ZREM', KEYS[1], me)
  redis.call('ZREM', KEYS[2], me)
else
  local into, from = KEYS[2], KEYS[1]
  if seeder then into, from = KEYS[1], KEYS[2] end
  redis.call('ZADD', into, ARGV[2], me)
  redis.call('ZREM', from, me)
  redis.call('PEXPIRE', into, ARGV[7])
end
local complete = redis.call('ZCARD', KEYS[1])
local incomplete = redis.call('ZCARD', KEYS[2])
local want = tonumber(ARGV[6])
local peers = {}
if want > 0 and ARGV[4] ~= 'stopped' then
  local a = {}
  if not seeder then a = redis.call('ZRANDMEMBER', KEYS[1], want + 1) end
  local b = redis.call('ZRANDMEMBER', KEYS[2], want + 1)
  local i, j = 1, 1
  while #peers < want and (i <= #a or j <= #b) do
    local p
    if i <= #a and (j > #b or (i + j) % 2 == 0) then p = a[i]; i = i + 1 else p = b[j]; j = j + 1 end
    if p ~= me then peers[#peers + 1] = p end
  end
end
return {complete, incomplete, peers}
`;

/**
 * Seeders and leechers over several swarms (a hybrid torrent's hashes), each peer counted once and
 * as a seeder if it seeds in any. KEYS: seeders1, leechers1, seeders2, ... ARGV: now.
 */
const MERGED_COUNTS = `
local seen = {}
local seeders, leechers = 0, 0
for k = 1, #KEYS, 2 do
  for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. ARGV[1], '+inf')) do
    if seen[p] ~= 's' then
      if seen[p] == 'l' then leechers = leechers - 1 end
      seen[p] = 's'
      seeders = seeders + 1
    end
  end
end
for k = 2, #KEYS, 2 do
  for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. ARGV[1], '+inf')) do
    if not seen[p] then
      seen[p] = 'l'
      leechers = leechers + 1
    end
  end
end
return {seeders, leechers}
`;

export interface SwarmAnnounce {
  infoHash: string;
  peer: Buffer;
  seeder: boolean;
  event: string;
  numwant: number;
}

export interface SwarmReply {
  complete: number;
  incomplete: number;
  peers: Buffer[];
}

/** The scripts as ioredis defines them (`<name>Buffer` answers bulk strings as Buffers). */
interface SwarmCommands {
  trackerAnnounceBuffer(...args: (string | number | Buffer)[]): Promise<[number, number?, Buffer[]?]>;
  trackerMergedCounts(...args: (string | number)[]): Promise<[number, number]>;
}

/**
 * BitTorrent swarms in Redis, shared by every API replica: per info-hash, a sorted set of seeders
 * and one of leechers, members the compact peer address, scores the time the peer expires unless it
 * announces again. One script call per announce.
 */
export class RedisSwarms {
  private readonly redis: Redis & SwarmCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly peerTtlMs: number,
  ) {
    redis.defineCommand('trackerAnnounce', { numberOfKeys: 3, lua: ANNOUNCE });
    redis.defineCommand('trackerMergedCounts', { lua: MERGED_COUNTS });
    this.redis = redis as Redis & SwarmCommands;
  }

  /** Records the announce and picks peers; null when `rateKey` is over `rateLimit` this window. */
  async announce(
    a: SwarmAnnounce,
    rateKey: string,
    rateLimit: number,
    rateWindowSeconds: number,
  ): Promise<SwarmReply | null> {
    const now = Date.now();
    const [complete, incomplete, peers] = await this.redis.trackerAnnounceBuffer(
      this.seedersKey(a.infoHash),
      this.leechersKey(a.infoHash),
      rateKey,
      now,
      now + this.peerTtlMs,
      a.peer,
      a.event,
      a.seeder ? 1 : 0,
      a.numwant,
      this.peerTtlMs,
      rateLimit,
      rateWindowSeconds,
    );
    if (complete === -1) return null;
    return { complete, incomplete: incomplete ?? 0, peers: peers ?? [] };
  }

  /** Live seeders and leechers of each swarm (BEP 48 scrape). */
  async counts(infoHashes: string[]): Promise<{ complete: number; incomplete: number }[]> {
    const now = `(${Date.now()}`;
    const pipeline = this.redis.pipeline();
    for (const h of infoHashes) {
      pipeline.zcount(this.seedersKey(h), now, '+inf');
      pipeline.zcount(this.leechersKey(h), now, '+inf');
    }
    const results = (await pipeline.exec()) ?? [];
    const values = results.map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    });
    return infoHashes.map((_, i) => ({ complete: values[2 * i], incomplete: values[2 * i + 1] }));
  }

  /** Seeders and leechers over several swarms, each peer once (seeder if it seeds in any). */
  async mergedCounts(infoHashes: string[]): Promise<{ seeders: number; leechers: number }> {
    if (infoHashes.length === 0) return { seeders: 0, leechers: 0 };
    const keys = infoHashes.flatMap((h) => [this.seedersKey(h), this.leechersKey(h)]);
    const [seeders, leechers] = await this.redis.trackerMergedCounts(keys.length, ...keys, Date.now());
    return { seeders, leechers };
  }

  private seedersKey(infoHash: string): string {
    return `${this.prefix}:tracker:swarm:${infoHash}:seeders`;
  }

  private leechersKey(infoHash: string): string {
    return `${this.prefix}:tracker:swarm:${infoHash}:leechers`;
  }
}
