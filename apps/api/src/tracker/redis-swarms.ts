import type Redis from 'ioredis';

/** How long a peer that sent `stopped` stays gone for its late announces (other than `started`). */
const STOPPED_MS = 60_000;

/**
 * One announce, atomically: the address's rate-limit window, expiry of peers that stopped
 * announcing, the peer's move into the seeders or leechers set (scored by its expiry time), the
 * counts, and up to numwant random other peers (a seeder gets only leechers).
 * A peer is its peer_id (the sets' members); its compact address is kept in the `addrs` hash
 * (peer_id → address) and the `ids` hash (address → peer_id). The same peer_id from a new address
 * (a client that changed port) replaces its old address; a new peer_id at an address another one
 * held (a client restarted on the same port) replaces that one. So a peer is never handed itself,
 * under either its old port or its old id, while two clients behind one IP (different ids and
 * ports) still meet.
 * A peer that sent `stopped` is remembered for STOPPED_MS (the `stopped` set, peer_id → time): an
 * announce of it that arrives later without `started` is not recorded. A client that finishes and
 * quits at once sends `completed` and `stopped` within milliseconds on two connections, and when
 * `stopped` is handled first the `completed` would list a gone client as a seeder until it expires.
 * KEYS: seeders, leechers, rate counter, addrs, ids, stopped. ARGV: now, expiresAt, peer_id, event,
 * seeder(1/0), numwant, swarm key ttl ms, rate limit, rate window ttl s, compact address, stopped ms.
 * Returns {-1} when rate-limited, else {complete, incomplete, peers}.
 */
const ANNOUNCE = `
local n = redis.call('INCR', KEYS[3])
if n == 1 then redis.call('EXPIRE', KEYS[3], ARGV[9]) end
if n > tonumber(ARGV[8]) then return {-1} end
local now = ARGV[1]
local function forget(id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  local at = redis.call('HGET', KEYS[4], id)
  redis.call('HDEL', KEYS[4], id)
  if at and redis.call('HGET', KEYS[5], at) == id then redis.call('HDEL', KEYS[5], at) end
end
for k = 1, 2 do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', now)) do forget(id) end
end
local me = ARGV[3]
local addr = ARGV[10]
local seeder = ARGV[5] == '1'
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[11]))
local gone = ARGV[4] ~= 'started' and redis.call('ZSCORE', KEYS[6], me)
if ARGV[4] == 'started' then redis.call('ZREM', KEYS[6], me) end
if ARGV[4] == 'stopped' then
  if redis.call('HGET', KEYS[4], me) == addr then
    forget(me)
    redis.call('ZADD', KEYS[6], now, me)
    redis.call('PEXPIRE', KEYS[6], ARGV[7])
  end
elseif not gone then
  local other = redis.call('HGET', KEYS[5], addr)
  if other and other ~= me then forget(other) end
  local old = redis.call('HGET', KEYS[4], me)
  if old and old ~= addr and redis.call('HGET', KEYS[5], old) == me then redis.call('HDEL', KEYS[5], old) end
  redis.call('HSET', KEYS[4], me, addr)
  redis.call('HSET', KEYS[5], addr, me)
  local into, from = KEYS[2], KEYS[1]
  if seeder then into, from = KEYS[1], KEYS[2] end
  redis.call('ZADD', into, ARGV[2], me)
  redis.call('ZREM', from, me)
  for k = 1, 5 do if k ~= 3 then redis.call('PEXPIRE', KEYS[k], ARGV[7]) end end
end
local complete = redis.call('ZCARD', KEYS[1])
local incomplete = redis.call('ZCARD', KEYS[2])
local want = tonumber(ARGV[6])
local peers = {}
if want > 0 and ARGV[4] ~= 'stopped' and not gone then
  local a = {}
  if not seeder then a = redis.call('ZRANDMEMBER', KEYS[1], want + 1) end
  local b = redis.call('ZRANDMEMBER', KEYS[2], want + 1)
  local i, j = 1, 1
  while #peers < want and (i <= #a or j <= #b) do
    local id
    if i <= #a and (j > #b or (i + j) % 2 == 0) then id = a[i]; i = i + 1 else id = b[j]; j = j + 1 end
    if id ~= me then
      local at = redis.call('HGET', KEYS[4], id)
      if at and at ~= addr then peers[#peers + 1] = at end
    end
  end
end
return {complete, incomplete, peers}
`;

/**
 * Live peers of several swarms with their addresses, for the webseed's policy: per swarm, up to
 * ARGV[2] seeders then leechers. KEYS: seeders1, leechers1, addrs1, seeders2, ... ARGV: now, limit.
 * Returns, per swarm, a flat list of address, seeder (1/0).
 */
const PEERS = `
local out = {}
for k = 1, #KEYS, 3 do
  local list = {}
  for s = 0, 1 do
    local ids = redis.call('ZRANGEBYSCORE', KEYS[k + s], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
    for _, id in ipairs(ids) do
      local at = redis.call('HGET', KEYS[k + 2], id)
      if at then
        list[#list + 1] = at
        list[#list + 1] = 1 - s
      end
    end
  end
  out[#out + 1] = list
end
return out
`;

/**
 * Seeders and leechers over several swarms (a hybrid torrent's hashes), each peer address counted
 * once (a hybrid client announces both hashes from one port, possibly under two peer ids) and as a
 * seeder if it seeds in any. KEYS: seeders1, leechers1, addrs1, seeders2, ... ARGV: now.
 */
const MERGED_COUNTS = `
local seen = {}
local seeders, leechers = 0, 0
for k = 1, #KEYS, 3 do
  for s = 0, 1 do
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k + s], '(' .. ARGV[1], '+inf')) do
      local p = redis.call('HGET', KEYS[k + 2], id) or id
      if s == 0 and seen[p] ~= 's' then
        if seen[p] == 'l' then leechers = leechers - 1 end
        seen[p] = 's'
        seeders = seeders + 1
      elseif s == 1 and not seen[p] then
        seen[p] = 'l'
        leechers = leechers + 1
      end
    end
  end
end
return {seeders, leechers}
`;

export interface SwarmAnnounce {
  infoHash: string;
  /** 20 bytes: who the peer is (its address may change). */
  peerId: Buffer;
  /** Compact address (BEP 23/7). */
  peer: Buffer;
  seeder: boolean;
  event: string;
  numwant: number;
}

/** A live peer of a swarm: its compact address and whether it seeds. */
export interface SwarmPeer {
  peer: Buffer;
  seeder: boolean;
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
  trackerPeersBuffer(...args: (string | number)[]): Promise<Array<Array<Buffer | number>>>;
}

/**
 * BitTorrent swarms in Redis, shared by every API replica: per info-hash, a sorted set of seeders
 * and one of leechers, members the peer_id, scores the time the peer expires unless it announces
 * again, and the peers' compact addresses. One script call per announce.
 */
export class RedisSwarms {
  private readonly redis: Redis & SwarmCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly peerTtlMs: number,
  ) {
    redis.defineCommand('trackerAnnounce', { numberOfKeys: 6, lua: ANNOUNCE });
    redis.defineCommand('trackerPeers', { lua: PEERS });
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
      this.addrsKey(a.infoHash),
      this.idsKey(a.infoHash),
      this.stoppedKey(a.infoHash),
      now,
      now + this.peerTtlMs,
      a.peerId,
      a.event,
      a.seeder ? 1 : 0,
      a.numwant,
      this.peerTtlMs,
      rateLimit,
      rateWindowSeconds,
      a.peer,
      STOPPED_MS,
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

  /** Seeders and leechers over several swarms, each peer address once (seeder if it seeds in any). */
  async mergedCounts(infoHashes: string[]): Promise<{ seeders: number; leechers: number }> {
    if (infoHashes.length === 0) return { seeders: 0, leechers: 0 };
    const keys = infoHashes.flatMap((h) => [this.seedersKey(h), this.leechersKey(h), this.addrsKey(h)]);
    const [seeders, leechers] = await this.redis.trackerMergedCounts(keys.length, ...keys, Date.now());
    return { seeders, leechers };
  }

  /** Live peers of each swarm (at most `limit` seeders and `limit` leechers each), with their addresses. */
  async peers(infoHashes: string[], limit: number): Promise<SwarmPeer[][]> {
    if (infoHashes.length === 0) return [];
    const keys = infoHashes.flatMap((h) => [this.seedersKey(h), this.leechersKey(h), this.addrsKey(h)]);
    const lists = await this.redis.trackerPeersBuffer(keys.length, ...keys, Date.now(), limit);
    return lists.map((flat) => {
      const out: SwarmPeer[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        out.push({ peer: flat[i] as Buffer, seeder: Number(flat[i + 1]) === 1 });
      return out;
    });
  }

  private addrsKey(infoHash: string): string {
    return `${this.prefix}:tracker:peers:${infoHash}:addrs`;
  }

  private idsKey(infoHash: string): string {
    return `${this.prefix}:tracker:peers:${infoHash}:ids`;
  }

  private stoppedKey(infoHash: string): string {
    return `${this.prefix}:tracker:peers:${infoHash}:stopped`;
  }

  private seedersKey(infoHash: string): string {
    return `${this.prefix}:tracker:peers:${infoHash}:seeders`;
  }

  private leechersKey(infoHash: string): string {
    return `${this.prefix}:tracker:peers:${infoHash}:leechers`;
  }
}
