import { Injectable } from '@nestjs/common';
import { SwarmStats, SwarmStatsProvider } from '../catalog/swarm-stats';
import { TrackerService } from './tracker.service';

/** The catalog's swarm counts, from this process's tracker (see the multi-replica note in TrackerService). */
@Injectable()
export class TrackerSwarmStats implements SwarmStatsProvider {
  constructor(private readonly tracker: TrackerService) {}

  stats(infoHashes: string[]): Promise<SwarmStats> {
    return this.tracker.stats(infoHashes);
  }
}
