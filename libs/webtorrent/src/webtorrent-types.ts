/** The part of webtorrent 2's API the CLI and the platform seed use (the package ships no types). */
export interface WtTorrent {
  infoHash: string;
  name: string;
  length: number;
  pieceLength: number;
  /** Verified bytes (pieces already on disk included). */
  downloaded: number;
  /** Bytes received from peers and webseeds in this session. */
  received: number;
  uploaded: number;
  downloadSpeed: number;
  uploadSpeed: number;
  progress: number;
  timeRemaining: number;
  numPeers: number;
  done: boolean;
  ready: boolean;
  path: string;
  pieces: unknown[];
  wires: WtWire[];
  on(event: 'wire', cb: (wire: WtWire) => void): void;
  on(event: 'done' | 'ready' | 'metadata' | 'noPeers' | 'close', cb: (...args: unknown[]) => void): void;
  on(event: 'error' | 'warning', cb: (err: Error | string) => void): void;
  on(event: 'download' | 'upload', cb: (bytes: number) => void): void;
  once(event: string, cb: (...args: unknown[]) => void): void;
  destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error) => void): void;
}

/** A peer connection (bittorrent-protocol's Wire), as the platform seed's super-seeding drives it. */
export interface WtWire {
  type?: string;
  /** The peer's IP address (IPv4-mapped IPv6 on dual-stack sockets); unset for web seeds. */
  remoteAddress?: string;
  /** Negotiated BEP 6 (fast extension): have-all / have-none instead of a bitfield. */
  hasFast: boolean;
  amChoking: boolean;
  peerInterested: boolean;
  /** The peer's pieces as it announced them. */
  peerPieces: { get(index: number): boolean };
  have(index: number): void;
  bitfield(bitfield: Uint8Array): void;
  haveAll(): void;
  haveNone(): void;
  choke(): void;
  unchoke(): void;
  on(event: 'have', cb: (index: number) => void): void;
  on(event: 'bitfield' | 'have-all' | 'have-none' | 'unchoke' | 'interested', cb: () => void): void;
  once(event: 'close', cb: () => void): void;
}

export interface WtClient {
  add(
    torrentId: Buffer | string | { infoHash: string },
    opts: Record<string, unknown>,
    onTorrent?: (t: WtTorrent) => void,
  ): WtTorrent;
  on(event: 'error', cb: (err: Error) => void): void;
  once(event: 'listening', cb: () => void): void;
  once(event: 'error', cb: (err: Error) => void): void;
  destroy(cb?: (err?: Error) => void): void;
  torrentPort: number;
  /** True once the TCP (and uTP) servers listen. */
  listening: boolean;
  /** True when uTP is enabled and its native module loaded. */
  utp: boolean;
}

export type WtClientCtor = new (opts: Record<string, unknown>) => WtClient;

/** fs-chunk-store's file record after construction. */
export interface ChunkStoreFile {
  path: string;
  length: number;
  offset: number;
  open: (cb: (err: Error | null, file?: RandomAccess) => void) => void;
}

export interface RandomAccess {
  write(offset: number, buf: Uint8Array, cb: (err: Error | null) => void): void;
  read(offset: number, length: number, cb: (err: Error | null, buf?: Uint8Array) => void): void;
  close(cb: (err: Error | null) => void): void;
}

export type ChunkStoreCtor = new (chunkLength: number, opts: Record<string, unknown>) => { files: ChunkStoreFile[] };
