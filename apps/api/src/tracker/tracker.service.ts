import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { bencode, BValue } from '@keyseed/torrent/bencode';
import { answerWithoutUpgrade } from '../common/upgrade-fallback';
import { AnnounceLimiter } from './announce-limiter';
import type { PeerView } from '../webseed/swarm-policy';
import { canonicalIp, ipOfCompact, parseAnnounce, percentDecodeBytes } from './announce-request';
import { bencodeFailure } from './bencode-failure';
import { InfoHashIndex } from './info-hash-index';
import { RedisSwarms } from './redis-swarms';
import { AnnounceParams, loadTrackerServer, TrackerServer, WebSocketLike } from './tracker-server';

/** Clients re-announce this often (seconds in the response); browsers (WebSocket) 5× as often. */
const ANNOUNCE_INTERVAL_MS = 10 * 60 * 1000;
/** A peer that stops announcing leaves the swarm after this long. */
const PEER_TTL_MS = 2 * ANNOUNCE_INTERVAL_MS + 60_000;
/** A completed download is counted once per bundle and peer address within this window. */
const COMPLETED_DEDUP_SECONDS = 24 * 3600;
const MAX_SCRAPE_HASHES = 64;
/** Peers per swarm and kind the webseed's policy looks at (beyond that a swarm is big anyway). */
const POLICY_PEERS_LIMIT = 2000;
const UNKNOWN_HASH = 'unknown info_hash: this tracker only serves torrents published on this platform';

export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

/**
 * BitTorrent tracker. HTTP announces and scrapes (BEP 3, compact peers per BEP 23/7, scrape per
 * BEP 48) keep their swarms in Redis ({@link RedisSwarms}), so every API replica answers any
 * announce and sees one swarm. `bittorrent-tracker`'s Server, which holds swarms in process memory
 * and cannot share them, is kept only for the WebSocket tracker of browser peers (attached to the
 * API's own HTTP server at `/announce`): WebRTC signalling relays offers over the sockets
 * connected to one process, so browser peers meet the browser peers of the same replica. Only
 * info-hashes of served bundles are accepted.
 */
@Injectable()
export class TrackerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('tracker');
  readonly server: TrackerServer;
  private httpServer: HttpServer | null = null;
  /** Open browser-peer connections, closed on shutdown (they would otherwise hold the HTTP server open). */
  private readonly sockets = new Set<WebSocketLike>();
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
  private readonly swarms: RedisSwarms;

  constructor(
    private readonly index: InfoHashIndex,
    private readonly limiter: AnnounceLimiter,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {
    this.swarms = new RedisSwarms(limiter.client, config.REDIS_PREFIX, PEER_TTL_MS);
    const Server = loadTrackerServer();
    this.server = new Server({
      http: false,
      udp: false,
      stats: false,
      ws: { noServer: true, maxPayload: 256 * 1024 },
      interval: ANNOUNCE_INTERVAL_MS,
      peersCacheTtl: PEER_TTL_MS,
      filter: (infoHash, params, cb) => {
        this.admit(infoHash, params).then(
          () => cb(null),
          (err: Error) => cb(err),
        );
      },
    });
    this.server.on('warning', () => undefined); // bad client input, already answered with a failure reason
    this.server.on('error', (err) => this.logger.error(`tracker.error: ${err.message}`));
    this.server.on('complete', (_who, params) => {
      void this.index.bundleOf(params.info_hash).then(
        (bundleId) => (bundleId ? this.countCompleted(bundleId, `ws:${params.peer_id}`) : undefined),
        () => undefined,
      );
    });
  }

  /** Answers an HTTP announce or scrape (always 200 with a bencoded body, failures included). */
  async handleHttp(
    req: IncomingMessage,
    res: ServerResponse,
    action: 'announce' | 'scrape',
    address: string,
  ): Promise<void> {
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Cache-Control', 'no-store');
    const answer =
      action === 'announce' ? this.announce(req.url ?? '', address) : this.scrapeLimited(req.url ?? '', address);
    res.end(
      await answer.catch((err: Error) => {
        this.logger.error(`tracker.${action}_failed: ${err.message}`);
        return bencodeFailure('tracker temporarily unavailable, retry later');
      }),
    );
  }

  /** One HTTP announce: parse, check the hash is served, then one Redis script (rate limit + swarm). */
  private async announce(url: string, address: string): Promise<Buffer> {
    const parsed = parseAnnounce(url, normalizeIp(address));
    if ('failure' in parsed) return bencodeFailure(parsed.failure);
    const bundleId = await this.index.bundleOf(parsed.infoHash);
    if (!bundleId) return bencodeFailure(UNKNOWN_HASH);
    const reply = await this.swarms.announce(parsed, this.rateKey(address), this.config.ANNOUNCES_PER_MINUTE, 120);
    if (!reply) return bencodeFailure(this.tooMany(address));
    if (parsed.event === 'completed') await this.countCompleted(bundleId, addressOf(parsed.peer));
    const v4 = reply.peers.filter((p) => p.length === 6);
    const v6 = reply.peers.filter((p) => p.length === 18);
    return bencode({
      complete: reply.complete,
      incomplete: reply.incomplete,
      interval: Math.ceil(ANNOUNCE_INTERVAL_MS / 1000),
      peers: Buffer.concat(v4),
      ...(v6.length ? { peers6: Buffer.concat(v6) } : {}),
    });
  }

  private async scrapeLimited(url: string, address: string): Promise<Buffer> {
    if (!(await this.limiter.allow(address))) return bencodeFailure(this.tooMany(address));
    return this.scrape(url);
  }

  /**
   * Seeders, leechers and completed downloads of one bundle over its info-hashes (hex; a full
   * 64-hex v2 hash counts as its 40-hex truncation). A hybrid client announces both its v1 and
   * its truncated v2 hash, so peers are merged by address and counted once.
   */
  async stats(infoHashes: readonly string[]): Promise<SwarmCounts> {
    const hashes = [...new Set(infoHashes.map((h) => h.toLowerCase().slice(0, 40)))];
    const merged = await this.swarms.mergedCounts(hashes);
    // Browser peers of this replica's WebSocket tracker, merged by peer id.
    const browsers = new Map<string, boolean>();
    for (const hash of hashes) {
      const swarm = this.server.torrents[hash];
      if (!swarm) continue;
      for (const key of swarm.peers.keys) {
        const peer = swarm.peers.peek(key);
        if (peer?.type === 'ws') browsers.set(peer.peerId, (browsers.get(peer.peerId) ?? false) || peer.complete);
      }
    }
    const browserSeeders = [...browsers.values()].filter(Boolean).length;
    return {
      seeders: merged.seeders + browserSeeders,
      leechers: merged.leechers + browsers.size - browserSeeders,
      completed: await this.completedCount(hashes),
    };
  }

  /**
   * Live peers of each torrent (a list of hex info-hashes that are one swarm: a hybrid's v1 and v2),
   * merged by address and port (a hybrid client announcing both hashes is one peer, a seeder if it
   * seeds in either), with this replica's browser peers; for the webseed's policy.
   */
  async peers(torrents: readonly (readonly string[])[]): Promise<PeerView[][]> {
    const groups = torrents.map((t) => [...new Set(t.map((h) => h.toLowerCase().slice(0, 40)))]);
    const lists = await this.swarms.peers(groups.flat(), POLICY_PEERS_LIMIT);
    let next = 0;
    return groups.map((hashes) => {
      const byId = new Map<string, PeerView>();
      const add = (id: string, peer: PeerView) =>
        byId.set(id, { ip: peer.ip, seeder: (byId.get(id)?.seeder ?? false) || peer.seeder });
      for (const hash of hashes) {
        for (const p of lists[next++]) add(p.peer.toString('hex'), { ip: ipOfCompact(p.peer), seeder: p.seeder });
        const swarm = this.server.torrents[hash];
        for (const key of swarm?.peers.keys ?? []) {
          const peer = swarm.peers.peek(key);
          if (peer?.type === 'ws') add(`ws:${peer.peerId}`, { ip: canonicalIp(peer.ip), seeder: peer.complete });
        }
      }
      return [...byId.values()];
    });
  }

  /**
   * BEP 48 scrape, answered here rather than by the package, whose scrape encodes the binary
   * info-hash keys as UTF-8 text (wrong bytes). Unknown hashes are left out; no full scrape.
   */
  private async scrape(url: string): Promise<Buffer> {
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const hashes = query
      .split('&')
      .filter((p) => p.startsWith('info_hash='))
      .map((p) => percentDecodeBytes(p.slice('info_hash='.length)));
    if (hashes.length === 0) return bencodeFailure('full scrape is not supported: pass info_hash');
    if (hashes.length > MAX_SCRAPE_HASHES)
      return bencodeFailure(`at most ${MAX_SCRAPE_HASHES} info_hash values per scrape`);
    if (hashes.some((h) => h.length !== 20)) return bencodeFailure('invalid info_hash: expected 20 bytes');
    const served: Buffer[] = [];
    for (const hash of hashes) if (await this.index.bundleOf(hash.toString('hex'))) served.push(hash);
    const counts = await this.swarms.counts(served.map((h) => h.toString('hex')));
    const files = new Map<Uint8Array, BValue>();
    for (const [i, hash] of served.entries()) {
      files.set(hash, {
        complete: counts[i].complete,
        downloaded: await this.completedCount([hash.toString('hex')]),
        incomplete: counts[i].incomplete,
      });
    }
    return bencode({ files, flags: { min_request_interval: Math.ceil(ANNOUNCE_INTERVAL_MS / 1000) } });
  }

  private async completedCount(hashes: string[]): Promise<number> {
    try {
      for (const hash of hashes) {
        const bundleId = await this.index.bundleOf(hash);
        if (bundleId) return Number((await this.limiter.client.get(this.completedKey(bundleId))) ?? 0);
      }
    } catch {
      /* counters unavailable */
    }
    return 0;
  }

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter?.getHttpServer() as HttpServer | null;
    this.httpServer?.on('upgrade', this.onUpgrade);
  }

  onModuleDestroy(): void {
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const ws of this.sockets) ws.terminate();
    this.server.close();
  }

  /** The filter of every WebSocket announce: rate limit, allowed hash. */
  private async admit(infoHash: string, params: AnnounceParams): Promise<void> {
    if (!(await this.limiter.allow(params.ip))) throw new Error(this.tooMany(params.ip));
    if (!(await this.knownHash(infoHash))) throw new Error(UNKNOWN_HASH);
  }

  private tooMany(address: string): string {
    return `too many tracker requests from ${address}: at most ${this.config.ANNOUNCES_PER_MINUTE} per minute`;
  }

  private rateKey(address: string): string {
    return `${this.config.REDIS_PREFIX}:tracker:rate:${address}:${Math.floor(Date.now() / 60_000)}`;
  }

  /** Whether the hash belongs to a served bundle; database trouble becomes a retryable failure reason. */
  private async knownHash(infoHash: string): Promise<boolean> {
    try {
      return (await this.index.bundleOf(infoHash)) !== null;
    } catch (err) {
      this.logger.error(`tracker.index_unavailable: ${(err as Error).message}`);
      throw new Error('tracker temporarily unavailable, retry later', { cause: err });
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/announce' || !this.server.ws || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      if (this.httpServer && this.httpServer.listenerCount('upgrade') === 1)
        answerWithoutUpgrade(this.httpServer, req, socket, head);
      return;
    }
    this.server.ws.handleUpgrade(req, socket, head, (ws) => {
      // The package reads the peer address from `upgradeReq`; give it the one behind trusted proxies.
      ws.upgradeReq = {
        headers: req.headers,
        connection: { remoteAddress: forwardedFor(req), remotePort: req.socket.remotePort },
      };
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      this.server.onWebSocketConnection(ws);
    });
  }

  private completedKey(bundleId: string): string {
    return `${this.config.REDIS_PREFIX}:tracker:completed:${bundleId}`;
  }

  /** Counts a completed download once per bundle and peer (HTTP: address:port; browsers: peer id). */
  private async countCompleted(bundleId: string, who: string): Promise<void> {
    try {
      const first = await this.limiter.client.set(
        `${this.config.REDIS_PREFIX}:tracker:done:${bundleId}:${who}`,
        '1',
        'EX',
        COMPLETED_DEDUP_SECONDS,
        'NX',
      );
      if (first) await this.limiter.client.incr(this.completedKey(bundleId));
    } catch (err) {
      this.logger.warn(`tracker.completed_not_counted: ${(err as Error).message}`);
    }
  }
}

/** `ip:port` (IPv6 in brackets) of a compact peer, as the completed counter keys it. */
function addressOf(peer: Buffer): string {
  const port = peer.readUInt16BE(peer.length - 2);
  return peer.length === 6 ? `${ipOfCompact(peer)}:${port}` : `[${ipOfCompact(peer)}]:${port}`;
}

function normalizeIp(ip: string): string {
  return ip.replace(/^::ffff:/, '');
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\./.test(ip);
}

/** The client behind loopback proxies (the API trusts `loopback`, like `app.set('trust proxy')`). */
function forwardedFor(req: IncomingMessage): string {
  let ip = req.socket.remoteAddress ?? '';
  const header = req.headers['x-forwarded-for'];
  if (isLoopback(ip) && typeof header === 'string') {
    const hops = header
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    while (hops.length && isLoopback(ip)) ip = hops.pop()!;
  }
  return normalizeIp(ip);
}
