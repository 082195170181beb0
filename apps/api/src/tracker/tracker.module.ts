import { Global, Module } from '@nestjs/common';
import { SWARM_STATS } from '../catalog/swarm-stats';
import { SWARM_PEERS } from '../webseed/swarm-peers';
import { AnnounceLimiter } from './announce-limiter';
import { InfoHashIndex } from './info-hash-index';
import { TrackerSwarmStats } from './tracker-swarm-stats';
import { TrackerController } from './tracker.controller';
import { TrackerFastRoute } from './tracker.fast-route';
import { TrackerService } from './tracker.service';

/** Global so that the catalog and the webseed can inject SWARM_STATS and SWARM_PEERS without importing the tracker. */
@Global()
@Module({
  controllers: [TrackerController],
  providers: [
    InfoHashIndex,
    AnnounceLimiter,
    TrackerService,
    TrackerFastRoute,
    TrackerSwarmStats,
    { provide: SWARM_STATS, useExisting: TrackerSwarmStats },
    { provide: SWARM_PEERS, useExisting: TrackerSwarmStats },
  ],
  exports: [TrackerService, SWARM_STATS, SWARM_PEERS],
})
export class TrackerModule {}
