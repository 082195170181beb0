import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { countPlatformSeeds } from '@keyseed/egress/platform-seed-heartbeat';
import { NO_SWARM_STATS, SWARM_STATS, SwarmStatsProvider } from '../catalog/swarm-stats';
import type { PublishedBundle } from './published-files';
import { blocksOf, servedAfterRefusal, swarmCanServe, SwarmView } from './swarm-policy';

/** Swarm counts are re-read at most this often per bundle (a client sends one request per piece). */
const VIEW_TTL_MS = 1000;
/** The number of platform seeds up is re-read at most this often. */
const SEEDS_TTL_MS = 5000;
/** A client served after a refusal is served freely for this many Retry-After periods. */
const GRACE_RETRIES = 4;
/** A piece that went out from the webseed counts as held by the swarm for this long. */
const LEDGER_TTL_SECONDS = 3600;

/**
 * WEBSEED_POLICY=swarm: decides per request whether the webseed serves a range or answers BEP 19's
 * 503 + Retry-After (rules in swarm-policy.ts). State shared by API replicas lives in Redis: which
 * piece-sized blocks of each file the webseed has sent (the "ledger"), which ranges each client was
 * refused and when, and the clients in a grace period. A client that asks again, after its
 * Retry-After, for a range it was refused did not get that piece from its peers: it is served, and
 * then served freely for GRACE_RETRIES × Retry-After, so dead peers still counted by the tracker
 * can slow a download by one Retry-After at most per grace period, never stall it. The swarm counts come from the tracker through SWARM_STATS (seeders, leechers,
 * completed per info-hash set: what both the in-memory and a Redis-backed tracker can answer).
 * Any Redis or tracker failure serves the range: the policy may only ever save bytes, never stall.
 */
@Injectable()
export class SwarmAwareWebseed implements OnModuleDestroy {
  private readonly logger = new Logger('webseed');
  private readonly redis: Redis | null;
  private readonly swarm: SwarmStatsProvider;
  private readonly views = new Map<string, { at: number; view: Promise<SwarmView> }>();
  private seeds: { at: number; count: Promise<number> } = { at: 0, count: Promise.resolve(0) };
  private lastWarning = 0;

  constructor(
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Optional() @Inject(SWARM_STATS) swarm?: SwarmStatsProvider,
  ) {
    this.swarm = swarm ?? NO_SWARM_STATS;
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
    if (!this.redis || !bundle.pieceLength || bundle.infoHashes.length === 0) return null;
    try {
      return await this.decide(this.redis, bundle, relPath, start, end, client);
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
    client: string,
  ): Promise<number | null> {
    const prefix = this.config.REDIS_PREFIX;
    const view = await this.view(bundle);
    const { first, last } = blocksOf(start, end, bundle.pieceLength!);
    const ledger = `${prefix}:webseed:sent:${bundle.id}:${createHash('sha1').update(relPath).digest('hex').slice(0, 16)}`;
    const sent = view.leechers >= 2 && (await redis.bitcount(ledger, first, last, 'BIT')) === last - first + 1;
    const retry = this.config.WEBSEED_RETRY_AFTER_SECONDS;
    if (swarmCanServe(view, sent)) {
      const who = `${bundle.id}:${client}`;
      const graceKey = `${prefix}:webseed:grace:${who}`;
      const refusedKey = `${prefix}:webseed:refused:${who}`;
      const range = `${ledger.slice(-16)}:${first}`;
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
        // and everything else it asks for a while (stale tracker counts must not slow it down).
        await redis
          .multi()
          .del(refusedKey)
          .set(graceKey, '1', 'EX', retry * GRACE_RETRIES)
          .exec();
      }
    }
    // A client alone in its swarm starts a new one: what earlier, departed peers received is gone.
    if (view.leechers <= 1 && view.seeders <= view.platformSeeds) await redis.del(ledger);
    await markSent(redis, ledger, first, last);
    return null;
  }

  private view(bundle: PublishedBundle): Promise<SwarmView> {
    const now = Date.now();
    const hit = this.views.get(bundle.id);
    if (hit && now - hit.at < VIEW_TTL_MS) return hit.view;
    if (this.views.size > 10_000) this.views.clear();
    const view = Promise.all([this.swarm.stats(bundle.infoHashes), this.platformSeeds()]).then(
      ([s, platformSeeds]) => ({ seeders: s.seeders, leechers: s.leechers, platformSeeds }),
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
