import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { bencode, BValue } from '@keyseed/torrent/bencode';
import { answerWithoutUpgrade } from '../common/upgrade-fallback';
import { AnnounceLimiter } from './announce-limiter';
import { bencodeFailure } from './bencode-failure';
import { InfoHashIndex } from './info-hash-index';
import { AnnounceParams, loadTrackerServer, TrackerServer, WebSocketLike } from './tracker-server';

/** Clients re-announce this often (seconds in the response); browsers (WebSocket) 5× as often. */
const ANNOUNCE_INTERVAL_MS = 10 * 60 * 1000;
/** A peer that stops announcing leaves the swarm after this long. */
const PEER_TTL_MS = 2 * ANNOUNCE_INTERVAL_MS + 60_000;
/** A completed download is counted once per bundle and peer address within this window. */
const COMPLETED_DEDUP_SECONDS = 24 * 3600;
const MAX_SCRAPE_HASHES = 64;

export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

/**
 * BitTorrent tracker over `bittorrent-tracker`'s Server: HTTP announces and scrapes (the
 * controller hands requests over) and the WebSocket tracker for browser peers (attached to the
 * API's own HTTP server at `/announce`). Only info-hashes of served bundles are accepted.
 *
 * Swarm membership lives in this process's memory (that is how the package works): with several
 * API replicas, /announce (HTTP and WebSocket) must be routed to one replica per info-hash (sticky
 * routing, e.g. hash on the `info_hash` query parameter) or to a single tracker replica, or peers
 * of one swarm would not see each other. Rate limits and completed counters are in Redis and shared.
 */
@Injectable()
export class TrackerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('tracker');
  readonly server: TrackerServer;
  private httpServer: HttpServer | null = null;
  /** Open browser-peer connections, closed on shutdown (they would otherwise hold the HTTP server open). */
  private readonly sockets = new Set<WebSocketLike>();
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);

  constructor(
    private readonly index: InfoHashIndex,
    private readonly limiter: AnnounceLimiter,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {
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
      void this.countCompleted(params);
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
    if (!(await this.limiter.allow(address))) {
      res.end(
        bencodeFailure(
          `too many tracker requests from ${address}: at most ${this.config.ANNOUNCES_PER_MINUTE} per minute`,
        ),
      );
      return;
    }
    if (action === 'scrape') {
      res.end(
        await this.scrape(req.url ?? '').catch((err: Error) => {
          this.logger.error(`tracker.scrape_failed: ${err.message}`);
          return bencodeFailure('tracker temporarily unavailable, retry later');
        }),
      );
      return;
    }
    this.server.onHttpRequest(req, res, { action });
  }

  /**
   * Seeders, leechers and completed downloads of one bundle over its info-hashes (hex; a full
   * 64-hex v2 hash counts as its 40-hex truncation). A hybrid client announces both its v1 and
   * its truncated v2 hash, so peers are merged by address and counted once.
   */
  async stats(infoHashes: readonly string[]): Promise<SwarmCounts> {
    const hashes = [...new Set(infoHashes.map((h) => h.toLowerCase().slice(0, 40)))];
    const peers = new Map<string, boolean>();
    for (const hash of hashes) {
      const swarm = this.server.torrents[hash];
      if (!swarm) continue;
      for (const key of swarm.peers.keys) {
        const peer = swarm.peers.peek(key);
        if (!peer) continue;
        const id = peer.type === 'ws' ? `ws:${peer.peerId}` : `${peer.ip}:${peer.port}`;
        peers.set(id, (peers.get(id) ?? false) || peer.complete);
      }
    }
    const seeders = [...peers.values()].filter(Boolean).length;
    return { seeders, leechers: peers.size - seeders, completed: await this.completedCount(hashes) };
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
    const files = new Map<Uint8Array, BValue>();
    for (const hash of hashes) {
      const hex = hash.toString('hex');
      if (!(await this.index.bundleOf(hex))) continue;
      const swarm = this.server.torrents[hex];
      files.set(hash, {
        complete: swarm?.complete ?? 0,
        downloaded: await this.completedCount([hex]),
        incomplete: swarm?.incomplete ?? 0,
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

  /** The filter of every announce (HTTP and WebSocket): address, rate limit, allowed hash. */
  private async admit(infoHash: string, params: AnnounceParams): Promise<void> {
    if (params.type === 'http' && params.httpReq) {
      // Express has already resolved the client address through the trusted proxies.
      const ip = normalizeIp(params.httpReq.ip ?? params.ip);
      params.ip = ip;
      params.addr = ip.includes(':') ? `[${ip}]:${params.port}` : `${ip}:${params.port}`;
      // Always compact (BEP 23): the package's dictionary peer list mangles binary peer ids.
      params.compact = 1;
    } else if (!(await this.limiter.allow(params.ip))) {
      throw new Error(
        `too many tracker requests from ${params.ip}: at most ${this.config.ANNOUNCES_PER_MINUTE} per minute`,
      );
    }
    if (!(await this.knownHash(infoHash)))
      throw new Error('unknown info_hash: this tracker only serves torrents published on this platform');
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

  private async countCompleted(params: AnnounceParams): Promise<void> {
    try {
      const bundleId = await this.index.bundleOf(params.info_hash);
      if (!bundleId) return;
      const who = params.type === 'ws' ? `ws:${params.peer_id}` : params.addr;
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

/** Percent-decoding to raw bytes (binary query values are not UTF-8). */
function percentDecodeBytes(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
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
