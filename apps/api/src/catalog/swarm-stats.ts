/**
 * Injection point for swarm counts shown in the catalog. The tracker module provides the real
 * implementation by exporting a provider for {@link SWARM_STATS} from a `@Global()` module, e.g.
 * `{ provide: SWARM_STATS, useExisting: TrackerSwarmStats }`; the catalog injects it as optional
 * and falls back to {@link NO_SWARM_STATS} when no tracker is loaded.
 */
export interface SwarmStats {
  seeders: number;
  leechers: number;
  /** Completed downloads ever reported (BEP 48 `downloaded`). */
  completed: number;
}

export interface SwarmStatsProvider {
  /**
   * Counts for one bundle. `infoHashes` are hex: the hybrid torrent's v1 info-hash, its v2
   * info-hash (full 64 hex; v2 peers announce the first 40) and the legacy v1-only torrent's
   * info-hash. Peers of a hybrid torrent may announce under either hash: the provider should
   * merge the swarms without counting a peer twice.
   */
  stats(infoHashes: string[]): Promise<SwarmStats>;
}

export const SWARM_STATS = Symbol('SWARM_STATS');

/** Default when no tracker is wired in: an empty swarm. */
export const NO_SWARM_STATS: SwarmStatsProvider = {
  stats: async () => ({ seeders: 0, leechers: 0, completed: 0 }),
};
