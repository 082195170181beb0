/**
 * Which pieces the platform seed advertises to each peer: super-seeding in the spirit of BEP 16
 * (README "Origin and swarm", docs/operations.md). The seed holds every piece but tells each peer
 * about a few only: pieces that no peer it is connected to holds or has been offered, so that each
 * piece leaves the seed about once and the peers spread it among themselves. A peer is offered
 * another piece as soon as it completes one of its offers (OFFERS_PER_PEER outstanding at most). A
 * peer that lacks only pieces its swarm already holds is offered nothing more, unless it has no offer
 * left and has gained no piece for STARVING_MS: then it is offered the rarest piece it lacks, and
 * again every STARVING_MS while that lasts, so nobody stalls behind peers that do not serve it.
 * With an upload limit, at most `maxInFlight` offers are outstanding over all peers (the seed's
 * rate for OFFER_HORIZON_MS, in pieces): each piece then leaves the seed within a couple of seconds
 * and shows up in its holder's HAVEs, instead of twenty pieces trickling out at once for ten
 * seconds each, unseen by the webseed's fed client, which fetches many of them again. The peer that
 * has waited longest for an offer gets the next free one.
 * Pieces a peer is fetching from the webseed (the webseed publishes the ranges it sends) count as
 * held for FETCHING_MS: the seed offers them to nobody meanwhile, the peer shares them once it has them.
 * Not while that range is the last the peer lacks: it leaves once done, before passing them on.
 * A peer that completes its download while connected counts as holding nothing for FINISHED_MS, so
 * the pieces only it had are offered to the others at once rather than when they starve.
 * Such a fed peer (one that fetched from the webseed within FETCHING_MS) is offered nothing: the seed
 * keeps it choked and instead announces to it the pieces on their way from the origin to others
 * (the seed's outstanding offers, the other fed peers' ranges). Its rarest-first picker, which
 * chooses what it asks the webseed for, then counts them as held by one peer and takes pieces
 * nobody has or is being sent, so the webseed and the seed send fewer pieces twice.
 * Pure bookkeeping; super-seed.ts wires it to webtorrent's peer connections.
 */

/** Offers a peer may have outstanding (advertised, not yet held) while pieces new to the swarm remain. */
export const OFFERS_PER_PEER = 2;
/** How long a peer with no outstanding offer may gain nothing before the seed offers it a piece the swarm holds. */
export const STARVING_MS = 4000;
/** How long a piece a peer fetches from the webseed counts as held by it (a 16 MiB range at 2 MiB/s). */
export const FETCHING_MS = 8000;
/**
 * How long a peer that completed its download while connected counts as holding nothing: most
 * clients leave as soon as they are done (buyers quit), taking with them the pieces only they had,
 * which are then everyone else's last pieces.
 */
export const FINISHED_MS = 2000;
/** Seconds of the seed's upload limit that outstanding offers may add up to. */
export const OFFER_HORIZON_MS = 2000;

/** The cap on outstanding offers for a seed limited to `bytesPerSecond` (0: unlimited, no cap). */
export function offersInFlight(bytesPerSecond: number, pieceLength: number): number {
  if (bytesPerSecond <= 0) return Infinity;
  return Math.max(OFFERS_PER_PEER, Math.ceil((bytesPerSecond * OFFER_HORIZON_MS) / 1000 / pieceLength));
}

interface PeerState {
  has: Uint8Array;
  held: number;
  /** Pieces advertised to it. */
  offered: Set<number>;
  /** Its offers it does not hold yet (a subset of `offered`, kept apart: `offered` only grows). */
  outstanding: Set<number>;
  /** When it last gained a piece, joined, or was offered a piece for starving. */
  lastProgressAt: number;
  /** When it joined or was last offered a piece. */
  lastOfferAt: number;
  /** Pieces it is fetching from the webseed → until when they count as held. */
  fetching: Map<number, number>;
  /** Until when it counts as fed by the webseed (its last range + FETCHING_MS; 0: never fed). */
  fedUntil: number;
  /** Pieces announced to it while fed, as on their way to others (never offered to it). */
  signalled: Set<number>;
  /** When it completed its download while connected (0: it has not; a seed that joined complete never does). */
  completedAt: number;
}

export class PieceOffers<K> {
  /** Per piece, how many connected peers hold it. */
  private readonly availability: Uint32Array;
  private readonly peers = new Map<K, PeerState>();

  constructor(
    readonly pieces: number,
    readonly maxInFlight = Infinity,
  ) {
    this.availability = new Uint32Array(pieces);
  }

  join(peer: K, now: number): void {
    if (this.peers.has(peer)) return;
    this.peers.set(peer, {
      has: new Uint8Array(this.pieces),
      held: 0,
      offered: new Set(),
      outstanding: new Set(),
      lastProgressAt: now,
      lastOfferAt: now,
      fetching: new Map(),
      fedUntil: 0,
      signalled: new Set(),
      completedAt: 0,
    });
  }

  /** Whether the peer fetched from the webseed within FETCHING_MS: the seed keeps it choked. */
  fed(peer: K, now: number): boolean {
    return (this.peers.get(peer)?.fedUntil ?? 0) > now;
  }

  /** The peers, the one waiting longest for an offer first: the order in which to call offer(). */
  byWait(): K[] {
    return [...this.peers].sort((a, b) => a[1].lastOfferAt - b[1].lastOfferAt).map(([k]) => k);
  }

  leave(peer: K): void {
    const p = this.peers.get(peer);
    if (!p) return;
    for (let i = 0; i < this.pieces; i++) this.availability[i] -= p.has[i];
    this.peers.delete(peer);
  }

  /** The peer's pieces as it announced them at once (bitfield, have-all, have-none). */
  holds(peer: K, has: (i: number) => boolean, now: number): void {
    const p = this.peers.get(peer);
    if (!p) return;
    const before = p.held;
    for (let i = 0; i < this.pieces; i++) {
      const bit = has(i) ? 1 : 0;
      this.availability[i] += bit - p.has[i];
      p.held += bit - p.has[i];
      p.has[i] = bit;
      if (bit) p.outstanding.delete(i);
    }
    if (p.held > before) p.lastProgressAt = now;
  }

  /**
   * One more piece at the peer (HAVE). True when offers may be due: it was one of the seed's offers
   * to it, or the peer's last piece.
   */
  gained(peer: K, i: number, now: number): boolean {
    const p = this.peers.get(peer);
    if (!p || i < 0 || i >= this.pieces || p.has[i]) return false;
    p.has[i] = 1;
    p.held++;
    this.availability[i]++;
    p.lastProgressAt = now;
    p.outstanding.delete(i);
    if (p.held === this.pieces) p.completedAt = now;
    return p.offered.has(i) || p.completedAt === now;
  }

  /** The peer is fetching pieces first..last from the webseed (as of `now`). */
  fetching(peer: K, first: number, last: number, now: number): void {
    const p = this.peers.get(peer);
    if (!p) return;
    // Its offers are void: it is choked from now on; the others may be offered them, and so may
    // it again once it is no longer fed.
    if (p.fedUntil <= now) {
      for (const i of p.outstanding) p.offered.delete(i);
      p.outstanding.clear();
    }
    p.fedUntil = now + FETCHING_MS;
    for (let i = Math.max(0, first); i <= Math.min(last, this.pieces - 1); i++)
      if (!p.has[i]) p.fetching.set(i, now + FETCHING_MS);
  }

  /**
   * Pieces to announce to a fed peer now (each once): those on their way from the origin to other
   * peers, which it lacks. Nothing for a peer that is not fed.
   */
  signals(peer: K, now: number): number[] {
    const p = this.peers.get(peer);
    if (!p || p.fedUntil <= now) return [];
    const out: number[] = [];
    const add = (i: number) => {
      if (p.has[i] || p.offered.has(i) || p.signalled.has(i)) return;
      p.signalled.add(i);
      out.push(i);
    };
    for (const [other, o] of this.peers) {
      if (other === peer) continue;
      for (const i of o.outstanding) add(i);
      for (const [i, until] of o.fetching) if (until > now && !o.has[i]) add(i);
    }
    return out;
  }

  /**
   * Pieces to advertise to `peer` now (each at most once per peer). `reserves(other)` says whether
   * another peer's outstanding offers count as held: a peer the seed keeps choked while it wants
   * to download would hold its offers back from the swarm.
   */
  offer(peer: K, now: number, reserves: (other: K) => boolean): number[] {
    const p = this.peers.get(peer);
    if (!p || p.held === this.pieces || p.fedUntil > now) return [];
    const holders = Uint32Array.from(this.availability);
    let inFlight = 0;
    for (const [other, o] of this.peers) {
      for (const [i, until] of o.fetching) if (o.has[i] || until <= now) o.fetching.delete(i);
      if (other === peer) continue;
      if (this.pieces - o.held > o.fetching.size) for (const i of o.fetching.keys()) holders[i]++;
      if (o.completedAt > 0 && now - o.completedAt < FINISHED_MS)
        for (let i = 0; i < this.pieces; i++) holders[i] -= o.has[i];
      if (!reserves(other)) continue;
      for (const i of o.outstanding) holders[i]++;
      inFlight += o.outstanding.size;
    }
    let outstanding = p.outstanding.size;
    const out: number[] = [];
    while (outstanding < OFFERS_PER_PEER && inFlight + outstanding < this.maxInFlight) {
      const i = this.rarest(p, holders);
      if (i < 0 || holders[i] > 0) break;
      p.offered.add(i);
      p.outstanding.add(i);
      p.lastOfferAt = now;
      holders[i]++;
      out.push(i);
      outstanding++;
    }
    if (outstanding === 0 && now - p.lastProgressAt >= STARVING_MS) {
      const i = this.rarest(p, holders);
      if (i >= 0) {
        p.offered.add(i);
        p.outstanding.add(i);
        p.lastProgressAt = now;
        p.lastOfferAt = now;
        out.push(i);
      }
    }
    return out;
  }

  /**
   * The piece the peer lacks, was not offered and is not fetching from the webseed, with the fewest
   * holders (ties: from a random start), or -1.
   */
  private rarest(p: PeerState, holders: Uint32Array): number {
    let best = -1;
    const start = Math.floor(Math.random() * this.pieces);
    for (let k = 0; k < this.pieces; k++) {
      const i = (start + k) % this.pieces;
      if (p.has[i] || p.offered.has(i) || p.fetching.has(i)) continue;
      if (best < 0 || holders[i] < holders[best]) best = i;
      if (holders[best] === 0) break;
    }
    return best;
  }
}
