import { Injectable } from '@nestjs/common';
import { SwarmStats, SwarmStatsProvider } from '../catalog/swarm-stats';
import type { SwarmPeersProvider } from '../webseed/swarm-peers';
import type { PeerView } from '../webseed/swarm-policy';
import { TrackerService } from './tracker.service';

/** The catalog's swarm counts and the webseed's swarm peers, from the tracker (swarms in Redis). */
@Injectable()
export class TrackerSwarmStats implements SwarmStatsProvider, SwarmPeersProvider {
  constructor(private readonly tracker: TrackerService) {}

  stats(infoHashes: string[]): Promise<SwarmStats> {
    return this.tracker.stats(infoHashes);
  }

  peers(torrents: string[][]): Promise<PeerView[][]> {
    return this.tracker.peers(torrents);
  }
}
