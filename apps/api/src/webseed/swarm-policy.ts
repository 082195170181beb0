/**
 * The webseed's swarm-aware policy (BEP 19 "seed of last resort"), as pure rules; the I/O lives in
 * SwarmAwareWebseed. The origin is the webseed plus the platform seed; the aim is that it sends each
 * piece about once per swarm, while a download never stalls (docs/operations.md, swarm-aware webseed).
 *
 * What clients do with a 503 shapes the rules: libtorrent 2.0 marks the whole file missing on that
 * webseed for the rest of the session (it never asks for any range of it again, whatever
 * Retry-After says) and aria2 drops the webseed for good. So a 503 is a one-way door for one client
 * and one file: the policy admits a client to a file once, at its first request, and sends it to its
 * peers only when a platform seed, which holds every piece, is in its swarm to fall back on.
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
  /** Seeders at other addresses, the platform's included (fewest over those torrents). */
  seeders: number;
  /** Seeders that are neither the requester nor the platform's (fewest over those torrents). */
  externalSeeders: number;
  /** Addresses of the other peers, seeders and leechers (of the torrent with the fewest, when several). */
  others: string[];
}

/**
 * The swarm seen from the requester at `ip`, or null when no torrent of the bundle has a leecher at
 * that address (a client the tracker never introduced to anyone). Peers at the requester's own
 * address are left out — they are the requester itself (another port, another torrent, a restart)
 * or its own household, and cannot spare the origin anything. When the address leeches several
 * torrents the poorest one counts.
 */
export function requesterSwarm(view: SwarmView, ip: string): RequesterSwarm | null {
  const torrents = view.torrents.flatMap((peers, i) => (peers.some((p) => p.ip === ip && !p.seeder) ? [i] : []));
  if (torrents.length === 0) return null;
  let seeders = Infinity;
  let others: string[] | null = null;
  for (const i of torrents) {
    const peers = view.torrents[i].filter((p) => p.ip !== ip);
    seeders = Math.min(seeders, peers.filter((p) => p.seeder).length);
    const addresses = [...new Set(peers.map((p) => p.ip))];
    if (!others || addresses.length < others.length) others = addresses;
  }
  return { torrents, seeders, externalSeeders: Math.max(0, seeders - view.platformSeeds), others: others! };
}

/**
 * When a client asking for a file for the first time may be sent to its peers for the whole file:
 * - `never` without a platform seed in its swarm (nothing else is sure to hold every piece and
 *   stay: the client could never finish), and for a client the tracker does not know (`swarm` null);
 * - `always` when, besides, a seeder that is not the platform's is there;
 * - `when-fed` otherwise: only once WEBSEED_FEEDERS of its other peers are fed by the webseed (they
 *   bring the file into the swarm at webseed speed while the super-seeding platform seed adds
 *   the pieces nobody has yet and backs everyone up).
 * A lone first buyer is therefore served at full speed, and so are the first of a group.
 */
export type Admission = 'never' | 'always' | 'when-fed';

export function admissionRule(swarm: RequesterSwarm | null, platformSeeds: number): Admission {
  if (!swarm || platformSeeds < 1 || swarm.seeders < 1) return 'never';
  return swarm.externalSeeders >= 1 ? 'always' : 'when-fed';
}

/** Whether the policy could refuse anyone at all: a platform seed is up and some torrent has a seeder. */
export function mayRefuseSomeone(view: SwarmView): boolean {
  return view.platformSeeds >= 1 && view.torrents.some((peers) => peers.some((p) => p.seeder));
}
