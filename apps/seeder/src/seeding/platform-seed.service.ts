import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { renewPlatformSeed, retirePlatformSeed } from '@keyseed/egress/platform-seed-heartbeat';
import { readWebseedRanges, WebseedRange, webseedRangesFromNow } from '@keyseed/egress/webseed-ranges';
import { createRedisClient } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, legacyTorrentKey, publishedKey, torrentKey } from '@keyseed/storage';
import { parseTorrent } from '@keyseed/torrent';
import { loadWebTorrent, loadWebtorrentDependency } from '@keyseed/webtorrent/esm';
import type { ChunkStoreCtor, WtClient, WtClientCtor, WtTorrent } from '@keyseed/webtorrent/webtorrent-types';
import { publishedStore } from './published-store';
import { SeedMetrics } from './seed-metrics';
import { SuperSeed, superSeed } from './super-seed';

/** Same rule as the webseed and the tracker: unlisted bundles keep seeding for existing buyers. */
const SEEDED_STATUSES = ['PUBLISHED', 'UNLISTED'] as const;
/** Longest wait for a torrent's start-up check (one piece per file, or a full re-hash of a damaged file). */
const ADD_TIMEOUT_MS = 120_000;
/** A bundle whose files could not be seeded is tried again after this long. */
const RETRY_FAILED_MS = 60_000;
/** Longest wait of one blocking read of the webseed's ranges (the loop checks for shutdown between reads). */
const RANGES_BLOCK_MS = 1000;

/** A super-seeding torrent and where its files lie in its piece space. */
interface SuperSeeded {
  seed: SuperSeed;
  pieceLength: number;
  /** Path below the bundle folder → offset of the file in the torrent's (v1) byte stream. */
  offsets: Map<string, number>;
}

interface SeededBundle {
  /** The hybrid v1 info-hash it was added with: a re-publish changes it. */
  version: string;
  torrents: WtTorrent[];
  superSeeded: SuperSeeded[];
}

/** parse-torrent's result, of which the seed only rewrites the trackers and web seeds. */
interface ParsedForWebtorrent {
  infoHash: string;
  announce: string[];
  urlList: string[];
}

interface ServedBundle {
  id: string;
  slug: string;
  infoHashV1: string;
}

/**
 * The platform's BitTorrent seed: every served bundle's hybrid torrent and its v1 twin, over TCP
 * and uTP, announced to the platform tracker, with BEP 9 metadata so magnet links resolve. Every
 * SEEDER_SYNC_MS it reconciles with PostgreSQL: newly published bundles are added, taken-down ones
 * (and drafts) dropped at once. Published files are immutable, so a restart does not re-hash them:
 * each torrent starts from a full bitfield after the sizes are checked against the torrent, and
 * webtorrent checks one piece per file (a file that fails is re-hashed in full and only its
 * verified pieces are offered). With SEEDER_SUPER_SEED each peer is told about a few pieces the
 * swarm lacks at a time (super-seed.ts), so that the seed sends each piece about once.
 */
@Injectable()
export class PlatformSeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('seeder');
  private client: WtClient | null = null;
  private Store: ChunkStoreCtor | null = null;
  private parse: ((torrent: Buffer) => Promise<ParsedForWebtorrent>) | null = null;
  private readonly seeded = new Map<string, SeededBundle>();
  private readonly failedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private readonly instance = randomUUID();
  private readonly redis: Redis;
  /** A connection of its own for the blocking reads of the webseed's ranges (null: not super-seeding). */
  private readonly rangesRedis: Redis | null;
  private rangesLoop: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly egress: EgressRecorder,
    private readonly metrics: SeedMetrics,
  ) {
    this.redis = createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 1 }); // errors reported by sync()
    // Errors are reported by followWebseedRanges().
    this.rangesRedis = config.SEEDER_SUPER_SEED
      ? createRedisClient(config.REDIS_URL, { maxRetriesPerRequest: 1 })
      : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const WebTorrent = loadWebTorrent<WtClientCtor>();
    this.Store = publishedStore(this.blobs);
    this.parse = loadWebtorrentDependency('parse-torrent');
    const client = new WebTorrent({
      dht: false,
      lsd: false,
      webSeeds: false,
      utp: true,
      natUpnp: false,
      natPmp: false,
      utPex: true,
      torrentPort: this.config.SEEDER_PORT,
      maxConns: this.config.SEEDER_MAX_CONNS,
      uploadLimit: this.config.SEEDER_UPLOAD_LIMIT > 0 ? this.config.SEEDER_UPLOAD_LIMIT : -1,
      // Everything seeded is complete: never announce as a leecher while the first check runs.
      tracker: { getAnnounceOpts: () => ({ left: 0 }) },
    });
    this.client = client;
    // An error before the servers listen (the port taken, most often) is fatal: the process exits
    // naming what to change, instead of running on as a seed nobody can reach.
    await new Promise<void>((resolve, reject) => {
      if (client.listening) return resolve();
      client.once('listening', () => resolve());
      client.once('error', (err) =>
        reject(
          new Error(
            `the platform seed cannot listen on port ${this.config.SEEDER_PORT} (${err.message}); set SEEDER_PORT to a free port (0 picks one)`,
          ),
        ),
      );
    });
    client.on('error', (err) => this.logger.error({ event: 'seeder.error', reason: err.message }));
    this.logger.log({ event: 'seeder.listening', port: client.torrentPort, utp: client.utp });
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.config.SEEDER_SYNC_MS);
    if (this.rangesRedis) this.rangesLoop = this.followWebseedRanges(this.rangesRedis);
  }

  /**
   * Reads the ranges the webseed sends (published by the API in Redis) and tells each super-seeding
   * torrent which pieces its peers at that address are fetching, so that it offers them to nobody
   * meanwhile. Ranges sent while Redis was unreachable are skipped: they only cost duplicates.
   */
  private async followWebseedRanges(redis: Redis): Promise<void> {
    let after = webseedRangesFromNow();
    let lastWarning = 0;
    while (!this.stopping) {
      try {
        const read = await readWebseedRanges(redis, this.config.REDIS_PREFIX, after, RANGES_BLOCK_MS);
        after = read.last;
        for (const r of read.ranges) this.webseedFetching(r);
      } catch (err) {
        if (this.stopping) return;
        if (Date.now() - lastWarning > 60_000) {
          lastWarning = Date.now();
          this.logger.warn({ event: 'seeder.webseed_ranges_unavailable', reason: (err as Error).message });
        }
        after = webseedRangesFromNow();
        await new Promise((r) => setTimeout(r, RANGES_BLOCK_MS));
      }
    }
  }

  private webseedFetching(r: WebseedRange): void {
    for (const t of this.seeded.get(r.bundleId)?.superSeeded ?? []) {
      const offset = t.offsets.get(r.path);
      if (offset === undefined) continue;
      t.seed.webseedFetching(
        r.client,
        Math.floor((offset + r.start) / t.pieceLength),
        Math.floor((offset + r.end) / t.pieceLength),
      );
    }
  }

  /** The port peers connect to (TCP and uTP). */
  get port(): number {
    return this.client?.torrentPort ?? 0;
  }

  /**
   * Adds newly served bundles, drops the ones no longer served, then tells the webseed (through
   * Redis) that this seed is up and seeds everything served.
   */
  sync(): Promise<void> {
    const ttlMs = Math.max(10_000, 3 * this.config.SEEDER_SYNC_MS);
    this.syncing ??= this.reconcile()
      .then(() => {
        const torrents = [...this.seeded.values()].flatMap((s) => s.torrents);
        this.metrics.torrents.set(torrents.length);
        this.metrics.peers.set(torrents.reduce((n, t) => n + t.wires.length, 0));
        return renewPlatformSeed(this.redis, this.config.REDIS_PREFIX, this.instance, ttlMs);
      })
      .catch((err: Error) => this.logger.warn({ event: 'seeder.sync_failed', reason: err.message }))
      .finally(() => {
        this.syncing = null;
      });
    return this.syncing;
  }

  private async reconcile(): Promise<void> {
    const served = await this.prisma.bundle.findMany({
      where: { status: { in: [...SEEDED_STATUSES] }, infoHashV1: { not: null } },
      select: { id: true, slug: true, infoHashV1: true },
    });
    const wanted = new Map(served.map((b) => [b.id, b as ServedBundle]));
    for (const [id, s] of this.seeded) {
      if (wanted.get(id)?.infoHashV1 !== s.version) await this.drop(id, wanted.has(id) ? 'republished' : 'not served');
    }
    for (const b of wanted.values()) {
      if (this.seeded.has(b.id)) continue;
      const failed = this.failedAt.get(b.id);
      if (failed && Date.now() - failed < RETRY_FAILED_MS) continue;
      await this.add(b).catch((err: Error) => {
        this.failedAt.set(b.id, Date.now());
        this.logger.warn({ event: 'seeder.add_failed', bundleId: b.id, slug: b.slug, reason: err.message });
      });
    }
  }

  private async add(b: ServedBundle): Promise<void> {
    const torrents: WtTorrent[] = [];
    const entry: SeededBundle = { version: b.infoHashV1, torrents, superSeeded: [] };
    this.seeded.set(b.id, entry);
    try {
      for (const key of [torrentKey(b.id, b.slug), legacyTorrentKey(b.id, b.slug)]) {
        torrents.push(await this.addTorrent(b, key, entry));
      }
    } catch (err) {
      await this.drop(b.id, 'add failed');
      throw err;
    }
    this.failedAt.delete(b.id);
    this.logger.log({
      event: 'seeder.added',
      bundleId: b.id,
      slug: b.slug,
      infoHashes: torrents.map((t) => t.infoHash),
    });
  }

  private async addTorrent(b: ServedBundle, key: string, entry: SeededBundle): Promise<WtTorrent> {
    const file = await this.readBlob(key);
    const parsed = parseTorrent(file);
    for (const f of parsed.files) {
      if (f.pad) continue;
      const rel = f.path.join('/');
      const stat = await this.blobs.stat(publishedKey(b.id, rel));
      if (stat?.size !== f.length)
        throw new Error(
          `${rel} is ${stat ? `${stat.size} bytes` : 'missing'} in storage, the torrent says ${f.length}`,
        );
    }
    const pieces = parsed.piecesV1!.length / 20;
    const bitfield = Buffer.alloc(Math.ceil(pieces / 8), 0xff);
    if (pieces % 8) bitfield[bitfield.length - 1] = (0xff << (8 - (pieces % 8))) & 0xff;
    // Announce to this platform's tracker (PUBLIC_URL), whatever the file says; the seed never
    // downloads, so the web seeds are dropped.
    const torrentId = await this.parse!(file);
    torrentId.announce = [`${this.config.PUBLIC_URL.replace(/\/+$/, '')}/announce`];
    torrentId.urlList = [];
    return new Promise<WtTorrent>((resolve, reject) => {
      const torrent = this.client!.add(torrentId, {
        store: this.Store,
        storeOpts: { keyOf: (rel: string) => publishedKey(b.id, rel) },
        storeCacheSlots: 0,
        bitfield,
      });
      if (this.config.SEEDER_SUPER_SEED)
        entry.superSeeded.push({
          seed: superSeed(torrent, pieces, parsed.pieceLength, this.config.SEEDER_UPLOAD_LIMIT),
          pieceLength: parsed.pieceLength,
          offsets: new Map(parsed.files.filter((f) => !f.pad).map((f) => [f.path.join('/'), f.offset])),
        });
      // A torrent that never gets ready must not hold up every later publish and takedown.
      const timer = setTimeout(() => {
        torrent.destroy();
        reject(new Error(`not ready after ${ADD_TIMEOUT_MS / 1000} s`));
      }, ADD_TIMEOUT_MS);
      torrent.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
      torrent.once('ready', () => {
        clearTimeout(timer);
        resolve(torrent);
      });
      torrent.on('warning', (err) =>
        this.logger.debug({ event: 'seeder.warning', bundleId: b.id, reason: String((err as Error).message ?? err) }),
      );
      torrent.on('upload', (bytes) => {
        this.egress.add(b.id, 'SEED', bytes);
        this.metrics.bytes.inc({ bundle: b.id }, bytes);
      });
    });
  }

  private async readBlob(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.blobs.read(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  private async drop(bundleId: string, why: string): Promise<void> {
    const entry = this.seeded.get(bundleId);
    this.seeded.delete(bundleId);
    if (!entry) return;
    await Promise.all(entry.torrents.map((t) => new Promise<void>((r) => t.destroy({}, () => r()))));
    this.logger.log({ event: 'seeder.dropped', bundleId, why });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.rangesRedis?.disconnect();
    await this.rangesLoop;
    await this.syncing;
    await retirePlatformSeed(this.redis, this.config.REDIS_PREFIX, this.instance).catch(() => undefined);
    this.redis.disconnect();
    await new Promise<void>((r) => (this.client ? this.client.destroy(() => r()) : r()));
  }
}
