import type { PeerView } from './swarm-policy';

/**
 * Injection point for the peers of a bundle's torrents, which the swarm-aware webseed needs (who is
 * in which swarm, at which address). The tracker's global module provides {@link SWARM_PEERS};
 * without a tracker the webseed sees empty swarms and serves everything.
 */
export interface SwarmPeersProvider {
  /** Live peers per torrent; each torrent is a list of hex info-hashes of one swarm (hybrid: v1 and v2). */
  peers(torrents: string[][]): Promise<PeerView[][]>;
}

export const SWARM_PEERS = Symbol('SWARM_PEERS');

export const NO_SWARM_PEERS: SwarmPeersProvider = {
  peers: async (torrents) => torrents.map(() => []),
};
