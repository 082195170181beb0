import type { IncomingMessage, ServerResponse } from 'node:http';
import { requireEsm } from '@keyseed/esm';
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

/** `server.js` only (ES module, loaded with requireEsm): not the client and its WebRTC deps. */
export function loadTrackerServer(): TrackerServerCtor {
  return (ctor ??= requireEsm<TrackerServerCtor>('bittorrent-tracker', 'server.js'));
}
