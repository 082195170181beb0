import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { countPlatformSeeds } from '@keyseed/egress/platform-seed-heartbeat';
import { canonicalIp } from '../tracker/announce-request';
import type { PublishedBundle } from './published-files';
import { NO_SWARM_PEERS, SWARM_PEERS, SwarmPeersProvider } from './swarm-peers';
import { blocksOf, requesterSwarm, servedAfterRefusal, swarmCanServe, SwarmView } from './swarm-policy';

/** Swarm peers are re-read at most this often per bundle (a client sends one request per piece). */
const VIEW_TTL_MS = 1000;
/** The number of platform seeds up is re-read at most this often. */
const SEEDS_TTL_MS = 5000;
/** A client served after a refusal is served freely for this many Retry-After periods. */
const GRACE_RETRIES = 4;
/** What a client received from the webseed is remembered this long. */
const LEDGER_TTL_SECONDS = 3600;
/** Other leechers whose ledgers are consulted per request (a random sample in bigger swarms). */
const LEDGER_SAMPLE = 32;

/**
 * WEBSEED_POLICY=swarm: decides per request whether the webseed serves a range or answers BEP 19's
 * 503 + Retry-After (rules in swarm-policy.ts, docs/operations.md). The requester is found by its
 * address among the tracker's peers of the bundle's torrents (SWARM_PEERS): a client the tracker
 * does not know as a leecher is served, and peers at its own address never count as "the swarm".
 * State shared by API replicas lives in Redis: per client address, which piece-sized blocks of each
 * file it received from the webseed in full (its "ledger", written by `delivered`), which ranges it was refused and when, and whether it is
 * in a grace period. A range is refused only when a seed that is not the platform's is in the
 * requester's torrent, or when one of the other leechers there now got that range from the
 * webseed. A client that asks again, after its Retry-After, for a range it was refused did not get
 * that piece from its peers: it is served, and then served freely for GRACE_RETRIES × Retry-After,
 * so peers that left can slow a download by one Retry-After at most per grace period, never stall
 * it. Any Redis or tracker failure serves the range: the policy may only ever save bytes.
 */
@Injectable()
export class SwarmAwareWebseed implements OnModuleDestroy {
  private readonly logger = new Logger('webseed');
  private readonly redis: Redis | null;
  private readonly swarm: SwarmPeersProvider;
  private readonly views = new Map<string, { at: number; view: Promise<SwarmView> }>();
  private seeds: { at: number; count: Promise<number> } = { at: 0, count: Promise.resolve(0) };
  private lastWarning = 0;

  constructor(
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Optional() @Inject(SWARM_PEERS) swarm?: SwarmPeersProvider,
  ) {
    this.swarm = swarm ?? NO_SWARM_PEERS;
    // Errors are reported by decide().
    this.redis =
      config.WEBSEED_POLICY === 'swarm'
        ? createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: true })
        : null;
  }

  /** Seconds for Retry-After when the client should get this range from the swarm, or null to serve it. */
  async retryAfter(
    bundle: PublishedBundle,
    relPath: string,
    start: number,
    end: number,
    client: string,
  ): Promise<number | null> {
    if (!this.redis || !bundle.pieceLength || bundle.torrents.length === 0) return null;
    try {
      return await this.decide(this.redis, bundle, relPath, start, end, canonicalIp(client));
    } catch (err) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ event: 'webseed.policy_unavailable', reason: (err as Error).message });
      }
      return null;
    }
  }

  private async decide(
    redis: Redis,
    bundle: PublishedBundle,
    relPath: string,
    start: number,
    end: number,
    ip: string,
  ): Promise<number | null> {
    const prefix = this.config.REDIS_PREFIX;
    const file = createHash('sha1').update(relPath).digest('hex').slice(0, 16);
    const ledger = (address: string) => `${prefix}:webseed:got:${bundle.id}:${address}:${file}`;
    const { first, last } = blocksOf(start, end, bundle.pieceLength!);
    const retry = this.config.WEBSEED_RETRY_AFTER_SECONDS;
    // A requester the tracker does not know as a leecher (yet: its announce may be on its way) was
    // introduced to nobody: it is served.
    const swarm = requesterSwarm(await this.view(bundle), ip);
    if (swarm && swarmCanServe(swarm, await heldByAnother(redis, ledger, ip, swarm.otherLeechers, first, last))) {
      const who = `${bundle.id}:${ip}`;
      const graceKey = `${prefix}:webseed:grace:${who}`;
      const refusedKey = `${prefix}:webseed:refused:${who}`;
      const range = `${file}:${first}`;
      const [grace, refusedAt] = await Promise.all([redis.exists(graceKey), redis.hget(refusedKey, range)]);
      if (!grace) {
        if (!servedAfterRefusal(refusedAt === null ? null : Number(refusedAt), Date.now(), retry)) {
          if (refusedAt === null)
            await redis
              .multi()
              .hset(refusedKey, range, Date.now())
              .expire(refusedKey, retry * 20)
              .exec();
          return retry;
        }
        // It came back for a range it was refused: its peers did not give it that piece. Serve it,
        // and everything else it asks for a while (stale tracker peers must not slow it down).
        await redis
          .multi()
          .del(refusedKey)
          .set(graceKey, '1', 'EX', retry * GRACE_RETRIES)
          .exec();
      }
    }
    return null;
  }

  /**
   * Records that the client at `client` received [start, end] of the file in full. Only delivered
   * bodies count: a client drops the requests still in flight on a connection that got a 503 (one
   * connection per webseed), and a range it never got must not be refused to the others.
   */
  async delivered(bundle: PublishedBundle, relPath: string, start: number, end: number, client: string): Promise<void> {
    if (!this.redis || !bundle.pieceLength) return;
    const file = createHash('sha1').update(relPath).digest('hex').slice(0, 16);
    const { first, last } = blocksOf(start, end, bundle.pieceLength);
    const key = `${this.config.REDIS_PREFIX}:webseed:got:${bundle.id}:${canonicalIp(client)}:${file}`;
    await markSent(this.redis, key, first, last).catch(() => undefined);
  }

  private view(bundle: PublishedBundle): Promise<SwarmView> {
    const now = Date.now();
    const hit = this.views.get(bundle.id);
    if (hit && now - hit.at < VIEW_TTL_MS) return hit.view;
    if (this.views.size > 10_000) this.views.clear();
    const view = Promise.all([this.swarm.peers(bundle.torrents), this.platformSeeds()]).then(
      ([torrents, platformSeeds]) => ({ torrents, platformSeeds }),
    );
    view.catch(() => this.views.delete(bundle.id));
    this.views.set(bundle.id, { at: now, view });
    return view;
  }

  private platformSeeds(): Promise<number> {
    if (Date.now() - this.seeds.at < SEEDS_TTL_MS) return this.seeds.count;
    const count = countPlatformSeeds(this.redis!, this.config.REDIS_PREFIX);
    count.catch(() => (this.seeds.at = 0));
    this.seeds = { at: Date.now(), count };
    return count;
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}

/**
 * Whether every block first..last went out in full from the webseed to one of `others` (a random
 * sample of them in a big swarm; each block may be held by a different peer) while the requester at
 * `ip` received none of them (a requester asking again for what it already got lost it: serve it).
 */
async function heldByAnother(
  redis: Redis,
  ledger: (address: string) => string,
  ip: string,
  others: string[],
  first: number,
  last: number,
): Promise<boolean> {
  if (others.length === 0) return false;
  const sample =
    others.length <= LEDGER_SAMPLE ? others : [...others].sort(() => Math.random() - 0.5).slice(0, LEDGER_SAMPLE);
  const [mine, ...theirs] = await Promise.all(
    [ip, ...sample].map((a) => redis.getrangeBuffer(ledger(a), first >> 3, last >> 3)),
  );
  const bit = (b: Buffer, i: number) => (b[(i >> 3) - (first >> 3)] ?? 0) & (0x80 >> (i & 7));
  for (let i = first; i <= last; i++) {
    if (bit(mine, i) || !theirs.some((b) => bit(b, i))) return false;
  }
  return true;
}

/** Sets bits first..last of `key` (whole bytes at once in the middle), and renews its expiry. */
async function markSent(redis: Redis, key: string, first: number, last: number): Promise<void> {
  const multi = redis.multi();
  let bit = first;
  while (bit <= last && bit % 8 !== 0) multi.setbit(key, bit++, 1);
  const wholeBytes = Math.floor((last - bit + 1) / 8);
  if (wholeBytes > 0) {
    multi.setrange(key, bit / 8, Buffer.alloc(wholeBytes, 0xff));
    bit += wholeBytes * 8;
  }
  while (bit <= last) multi.setbit(key, bit++, 1);
  multi.expire(key, LEDGER_TTL_SECONDS);
  await multi.exec();
}
