/**
 * The webseed's swarm-aware policy (BEP 19 "seed of last resort"), as pure rules; the I/O lives in
 * SwarmAwareWebseed. The origin is the webseed plus the platform seed; the aim is that it sends each
 * piece about once per swarm, while a download never stalls (docs/operations.md, swarm-aware webseed).
 */

/** A live peer as the tracker knows it: its IP address and whether it seeds. */
export interface PeerView {
  ip: string;
  seeder: boolean;
}

export interface SwarmView {
  /**
   * Peers per torrent of the bundle: the hybrid torrent (its v1 and v2 hashes are one swarm) and
   * the v1 twin (another info-hash, so another swarm: its peers cannot serve the hybrid's).
   */
  torrents: PeerView[][];
  /** Platform seeds currently up (each seeds every torrent of every served bundle). */
  platformSeeds: number;
}

/** What the swarm offers one requester, in the torrents it is downloading. */
export interface RequesterSwarm {
  /** Indexes (into SwarmView.torrents) of the torrents the requester's address leeches. */
  torrents: number[];
  /** Seeders that are neither the requester nor the platform's (fewest over those torrents). */
  externalSeeders: number;
  /** Addresses of the leechers at other addresses (of the torrent with the fewest, when several). */
  otherLeechers: string[];
}

/**
 * The swarm seen from the requester at `ip`, or null when no torrent of the bundle has a leecher at
 * that address (a client the tracker never introduced to anyone: serve it). Peers at the
 * requester's own address are left out — they are the requester itself (another port, another
 * torrent, a restart) or its own household, and cannot spare the origin anything. When the address
 * leeches several torrents the poorest one counts.
 */
export function requesterSwarm(view: SwarmView, ip: string): RequesterSwarm | null {
  const torrents = view.torrents.flatMap((peers, i) => (peers.some((p) => p.ip === ip && !p.seeder) ? [i] : []));
  if (torrents.length === 0) return null;
  let externalSeeders = Infinity;
  let otherLeechers: string[] | null = null;
  for (const i of torrents) {
    const others = view.torrents[i].filter((p) => p.ip !== ip);
    const seeders = others.filter((p) => p.seeder).length;
    externalSeeders = Math.min(externalSeeders, Math.max(0, seeders - view.platformSeeds));
    const leechers = [...new Set(others.filter((p) => !p.seeder).map((p) => p.ip))];
    if (!otherLeechers || leechers.length < otherLeechers.length) otherLeechers = leechers;
  }
  return { torrents, externalSeeders, otherLeechers: otherLeechers! };
}

/**
 * Whether the swarm, without the origin, can serve a range to this requester: a seed that is not
 * the platform's is there, or the webseed already sent the whole range to one of the other leechers
 * now in the requester's torrent (so a peer holds it). A lone buyer, pieces no current peer can have,
 * and pieces the requester itself received before (a restart) are served at full speed.
 */
export function swarmCanServe(s: RequesterSwarm, heldByAnotherLeecher: boolean): boolean {
  return s.externalSeeders >= 1 || (s.otherLeechers.length >= 1 && heldByAnotherLeecher);
}

/**
 * "A client that keeps asking gets served": a client that asks again for a range it was refused,
 * once the Retry-After it was given has passed, is served (its peers did not have that piece).
 */
export function servedAfterRefusal(refusedAtMs: number | null, nowMs: number, retryAfterSeconds: number): boolean {
  return refusedAtMs !== null && nowMs - refusedAtMs >= retryAfterSeconds * 1000 - 500;
}

/** Piece-sized blocks of a file that a byte range touches (inclusive). */
export function blocksOf(start: number, end: number, pieceLength: number): { first: number; last: number } {
  return { first: Math.floor(start / pieceLength), last: Math.floor(end / pieceLength) };
}
