import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

/**
 * The parts of `bittorrent-tracker`'s Server (v11, ESM-only, untyped) that the tracker module uses.
 * Swarm state lives in this object, in process memory.
 */
export interface TrackerPeer {
  type: 'http' | 'udp' | 'ws';
  complete: boolean;
  peerId: string;
  ip: string;
  port: number;
}

export interface TrackerSwarm {
  complete: number;
  incomplete: number;
  peers: { keys: string[]; peek(key: string): TrackerPeer | undefined };
}

/** Announce parameters as parsed by the package (info_hash and peer_id as hex). */
export interface AnnounceParams {
  type: 'http' | 'ws';
  info_hash: string;
  peer_id: string;
  ip: string;
  port: number;
  addr: string;
  left: number;
  compact?: number;
  event?: string;
  httpReq?: IncomingMessage & { ip?: string };
}

export interface WebSocketLike {
  on(event: string, listener: (...args: unknown[]) => void): void;
  terminate(): void;
  upgradeReq?: unknown;
}

export interface WebSocketServerLike {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WebSocketLike) => void): void;
  close(): void;
}

export interface TrackerServer {
  torrents: Record<string, TrackerSwarm>;
  ws: WebSocketServerLike | null;
  onHttpRequest(req: IncomingMessage, res: ServerResponse, opts?: { action?: 'announce' | 'scrape' }): void;
  onWebSocketConnection(socket: WebSocketLike): void;
  on(event: 'complete', listener: (addrOrPeerId: string, params: AnnounceParams) => void): void;
  on(event: 'warning' | 'error', listener: (err: Error) => void): void;
  close(cb?: () => void): void;
}

export interface TrackerServerOptions {
  interval?: number;
  http?: boolean;
  udp?: boolean;
  ws?: boolean | { noServer?: boolean; maxPayload?: number };
  stats?: boolean;
  trustProxy?: boolean;
  peersCacheLength?: number;
  peersCacheTtl?: number;
  filter?: (infoHash: string, params: AnnounceParams, cb: (err?: Error | null) => void) => void;
}

type TrackerServerCtor = new (opts: TrackerServerOptions) => TrackerServer;

let ctor: TrackerServerCtor | undefined;

/**
 * The package exports only an `import` condition, which CommonJS `require('bittorrent-tracker')`
 * cannot resolve; Node ≥ 20.19 does load an ES module required by file path, so we locate
 * `server.js` (which also avoids loading the client and its WebRTC deps). Under Jest the same
 * require goes through swc (ESM_PACKAGES) and the import-only deps are mapped in jest.config.js.
 */
export function loadTrackerServer(): TrackerServerCtor {
  if (ctor) return ctor;
  for (const dir of require.resolve.paths('bittorrent-tracker') ?? []) {
    const entry = join(dir, 'bittorrent-tracker', 'server.js');
    if (existsSync(entry)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(entry) as { default?: TrackerServerCtor } & TrackerServerCtor;
      ctor = mod.default ?? mod;
      return ctor;
    }
  }
  throw new Error('the "bittorrent-tracker" package is not installed');
}
