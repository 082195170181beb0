import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createRedisClient } from '@keyseed/queues';
import { countPlatformSeeds } from '@keyseed/egress/platform-seed-heartbeat';
import { comparableAddress, publishWebseedRange } from '@keyseed/egress/webseed-ranges';
import { canonicalIp } from '../tracker/announce-request';
import type { PublishedBundle } from './published-files';
import { NO_SWARM_PEERS, SWARM_PEERS, SwarmPeersProvider } from './swarm-peers';
import { admissionRule, mayRefuseSomeone, requesterSwarm, SwarmView } from './swarm-policy';

/** Swarm peers are re-read at most this often per bundle (a client sends one request per piece). */
const VIEW_TTL_MS = 1000;
/**
 * A client's first request for a file often comes before its first announce (libtorrent sends both
 * at once): a requester missing from the tracker's view is looked for every ANNOUNCE_POLL_MS, for
 * ANNOUNCE_WAIT_MS at most, when the policy could refuse it at all; then it is served.
 */
const ANNOUNCE_POLL_MS = 150;
const ANNOUNCE_WAIT_MS = 2000;
/** The number of platform seeds up is re-read at most this often. */
const SEEDS_TTL_MS = 5000;
/** A client's admission to a file (fed or refused) is remembered this long after its last request. */
const ADMISSION_TTL_SECONDS = 3600;

/**
 * KEYS: fed (address → last request ms), refused (address → refusal ms), both per bundle and file.
 * ARGV: address, now, ttl seconds, rule (Admission), feeders needed, then the other peers' addresses.
 * Answers `fed` (admitted before), `again` (refused before and asking again: admitted now),
 * `admitted` or `refused`. One script, so that clients starting together cannot all be first.
 */
const ADMIT = `
local ip, now, ttl, rule, need = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local function admit()
  redis.call('ZADD', KEYS[1], now, ip)
  redis.call('EXPIRE', KEYS[1], ttl)
end
if redis.call('ZSCORE', KEYS[1], ip) then admit() return 'fed' end
if redis.call('ZSCORE', KEYS[2], ip) then
  redis.call('ZREM', KEYS[2], ip)
  admit()
  return 'again'
end
local refuse = rule == 'always'
if rule == 'when-fed' then
  local fed = {}
  for _, a in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do fed[a] = true end
  local n = 0
  for i = 6, #ARGV do if fed[ARGV[i]] then n = n + 1 end end
  refuse = n >= need
end
if refuse then
  redis.call('ZADD', KEYS[2], now, ip)
  redis.call('EXPIRE', KEYS[2], ttl)
  return 'refused'
end
admit()
return 'admitted'
`;

type Decision = 'fed' | 'again' | 'admitted' | 'refused';

interface AdmitCommand {
  webseedAdmit(fed: string, refused: string, ...argv: (string | number)[]): Promise<Decision>;
}

/**
 * WEBSEED_POLICY=swarm: decides per request whether the webseed serves a range or answers BEP 19's
 * 503 + Retry-After (rules in swarm-policy.ts, docs/operations.md). A 503 makes libtorrent give up
 * the whole file on this webseed for its session and aria2 the webseed for good, so the decision is
 * taken once per client address and file, at its first request, and kept: a client admitted to a
 * file is served every range of it; a client refused and asking again is admitted. A client is
 * refused only when a platform seed (which holds every piece) is in its swarm, and then only when
 * a seeder that is not the platform's is there too, or WEBSEED_FEEDERS of its other peers are
 * already fed by the webseed. State shared by API replicas lives in Redis. Any Redis or tracker
 * failure serves the range: the policy may only ever save bytes.
 */
@Injectable()
export class SwarmAwareWebseed implements OnModuleDestroy {
  private readonly logger = new Logger('webseed');
  private readonly redis: (Redis & AdmitCommand) | null;
  private readonly swarm: SwarmPeersProvider;
  private readonly views = new Map<string, { at: number; view: Promise<SwarmView> }>();
  private seeds: { at: number; count: Promise<number> } = { at: 0, count: Promise.resolve(0) };
  private lastWarning = 0;

  constructor(
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Optional() @Inject(SWARM_PEERS) swarm?: SwarmPeersProvider,
  ) {
    this.swarm = swarm ?? NO_SWARM_PEERS;
    if (config.WEBSEED_POLICY === 'swarm') {
      // Errors are reported by retryAfter().
      const redis = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
      redis.defineCommand('webseedAdmit', { numberOfKeys: 2, lua: ADMIT });
      this.redis = redis as Redis & AdmitCommand;
    } else {
      this.redis = null;
    }
  }

  /** Seconds for Retry-After when the client should get this file from its peers, or null to serve it. */
  async retryAfter(bundle: PublishedBundle, relPath: string, client: string): Promise<number | null> {
    if (!this.redis || bundle.torrents.length === 0) return null;
    try {
      return await this.decide(this.redis, bundle, relPath, canonicalIp(client));
    } catch (err) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ event: 'webseed.policy_unavailable', reason: (err as Error).message });
      }
      return null;
    }
  }

  /**
   * Tells the platform seeds (through Redis) that `client` is being sent bytes start..end of a file,
   * so that they do not offer its swarm those pieces meanwhile. Only while a platform seed is up;
   * a failure only costs duplicates.
   */
  async serving(bundle: PublishedBundle, relPath: string, client: string, start: number, end: number): Promise<void> {
    if (!this.redis || bundle.torrents.length === 0) return;
    try {
      if ((await this.platformSeeds()) < 1) return;
      await publishWebseedRange(this.redis, this.config.REDIS_PREFIX, {
        bundleId: bundle.id,
        path: relPath,
        client: comparableAddress(canonicalIp(client)),
        start,
        end,
      });
    } catch (err) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ event: 'webseed.policy_unavailable', reason: (err as Error).message });
      }
    }
  }

  private async decide(
    redis: Redis & AdmitCommand,
    bundle: PublishedBundle,
    relPath: string,
    ip: string,
  ): Promise<number | null> {
    const file = createHash('sha1').update(relPath).digest('hex').slice(0, 16);
    const key = `${this.config.REDIS_PREFIX}:webseed:${bundle.id}:${file}`;
    // A client fed this file before is served without looking at the swarm.
    if ((await redis.zscore(`${key}:fed`, ip)) !== null) {
      await redis.webseedAdmit(`${key}:fed`, `${key}:refused`, ip, Date.now(), ADMISSION_TTL_SECONDS, 'never', 0);
      return null;
    }
    let view = await this.view(bundle, VIEW_TTL_MS);
    let swarm = requesterSwarm(view, ip);
    for (let waited = 0; !swarm && mayRefuseSomeone(view) && waited < ANNOUNCE_WAIT_MS; waited += ANNOUNCE_POLL_MS) {
      await new Promise((r) => setTimeout(r, ANNOUNCE_POLL_MS));
      view = await this.view(bundle, ANNOUNCE_POLL_MS);
      swarm = requesterSwarm(view, ip);
    }
    const rule = admissionRule(swarm, view.platformSeeds);
    const decision = await redis.webseedAdmit(
      `${key}:fed`,
      `${key}:refused`,
      ip,
      Date.now(),
      ADMISSION_TTL_SECONDS,
      rule,
      this.config.WEBSEED_FEEDERS,
      ...(rule === 'when-fed' ? swarm!.others : []),
    );
    if (decision !== 'fed')
      this.logger.log({
        event: 'webseed.admission',
        bundleId: bundle.id,
        file: relPath,
        client: ip,
        decision,
        rule,
        seeders: swarm?.seeders ?? 0,
        externalSeeders: swarm?.externalSeeders ?? 0,
        peers: swarm?.others.length ?? 0,
        platformSeeds: view.platformSeeds,
      });
    return decision === 'refused' ? this.config.WEBSEED_RETRY_AFTER_SECONDS : null;
  }

  private view(bundle: PublishedBundle, maxAgeMs: number): Promise<SwarmView> {
    const now = Date.now();
    const hit = this.views.get(bundle.id);
    if (hit && now - hit.at < maxAgeMs) return hit.view;
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
