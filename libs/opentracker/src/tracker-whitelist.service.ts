import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { createRedisClient, RedisAvailability } from '@keyseed/queues';
import { announcedInfoHashes } from '@keyseed/torrent';
import { reloadOpentracker, whitelistText, writeWhitelist } from './whitelist';

/** Bundles an external tracker may track: the built-in tracker's rule (unlisted keeps seeding). */
const TRACKED_STATUSES = ['PUBLISHED', 'UNLISTED'] as const;
/** A full rewrite at least this often repairs a change notice lost while Redis was away. */
const RESYNC_MS = 60_000;

/**
 * Keeps opentracker's whitelist equal to the announced info-hashes of the published bundles
 * (docs/operations.md, external trackers). Whatever changes that set (publish in a worker, takedown
 * or restore in an API replica) calls `changed()`, which tells every process over a Redis channel;
 * the process configured with OPENTRACKER_WHITELIST_FILE (one, next to opentracker) rewrites the
 * file from PostgreSQL, atomically, and signals opentracker to reread it. Rewrites never overlap
 * and are skipped when the list is unchanged. Elsewhere this only publishes the notice.
 */
@Injectable()
export class TrackerWhitelist implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('opentracker');
  private readonly channel: string;
  private readonly file: string | undefined;
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private written: string | null = null;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Optional() private readonly redis?: RedisAvailability,
  ) {
    this.channel = `${config.REDIS_PREFIX}:tracker:whitelist-changed`;
    this.file = config.OPENTRACKER_WHITELIST_FILE;
  }

  async onModuleInit(): Promise<void> {
    // Errors: the publisher's are reported by changed(); during an outage the periodic rewrite covers the subscriber.
    this.publisher = createRedisClient(this.config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
    if (!this.file) return;
    this.subscriber = createRedisClient(this.config.REDIS_URL, { maxRetriesPerRequest: 2 });
    this.subscriber.on('ready', () => {
      this.subscriber!.subscribe(this.channel).then(
        () => this.sync(),
        () => undefined,
      );
    });
    this.subscriber.on('message', () => void this.sync());
    this.timer = setInterval(() => void this.sync(), RESYNC_MS).unref();
    await this.sync();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }

  /** The set of published bundles changed: every process's whitelist writer rewrites (this one at once). */
  async changed(): Promise<void> {
    if (this.file) void this.sync();
    // During a Redis outage (logged once by RedisAvailability) a takedown or publish does not wait
    // for it: every writer's periodic rewrite catches up.
    if (this.redis && !this.redis.isUp) return;
    try {
      await this.publisher?.publish(this.channel, '1');
    } catch (err) {
      this.logger.warn({ event: 'opentracker.notice_not_published', message: (err as Error).message });
    }
  }

  /** Rewrites the whitelist from the database; a call during a rewrite runs one more afterwards. */
  sync(): Promise<void> {
    if (!this.file) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.rewrite(this.file!).catch((err: Error) =>
          this.logger.error({ event: 'opentracker.whitelist_failed', file: this.file, message: err.message }),
        );
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async rewrite(file: string): Promise<void> {
    const bundles = await this.prisma.bundle.findMany({
      where: { status: { in: [...TRACKED_STATUSES] } },
      select: { infoHashV1: true, infoHashV2: true, infoHashV1Legacy: true },
    });
    const hashes = bundles.flatMap(announcedInfoHashes);
    const text = whitelistText(hashes);
    if (text === this.written) return;
    await writeWhitelist(file, text);
    await reloadOpentracker({
      pidFile: this.config.OPENTRACKER_PID_FILE,
      command: this.config.OPENTRACKER_RELOAD_COMMAND,
    });
    this.written = text;
    this.logger.log({ event: 'opentracker.whitelist', file, bundles: bundles.length, hashes: new Set(hashes).size });
  }
}
