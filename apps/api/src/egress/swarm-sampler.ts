import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { NO_SWARM_STATS, SWARM_STATS, SwarmStatsProvider } from '../catalog/swarm-stats';
import { OriginMetrics } from './origin-metrics';

/**
 * Every SWARM_SAMPLE_SECONDS, records each served bundle's swarm (seeders, leechers, completed, from
 * the tracker through SWARM_STATS) in SwarmSample, at a time rounded down to the period so replicas
 * sampling the same moment write one row (the first wins), and in the Prometheus gauges.
 */
@Injectable()
export class SwarmSampler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('egress');
  private readonly swarm: SwarmStatsProvider;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly metrics: OriginMetrics,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Optional() @Inject(SWARM_STATS) swarm?: SwarmStatsProvider,
  ) {
    this.swarm = swarm ?? NO_SWARM_STATS;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sample().catch((err: Error) => this.logger.warn({ event: 'swarm.sample_failed', reason: err.message }));
    }, this.config.SWARM_SAMPLE_SECONDS * 1000);
    this.timer.unref();
  }

  /** Samples every served bundle now; returns how many rows were written. */
  async sample(now = new Date()): Promise<number> {
    const periodMs = this.config.SWARM_SAMPLE_SECONDS * 1000;
    const at = new Date(Math.floor(now.getTime() / periodMs) * periodMs);
    const bundles = await this.prisma.bundle.findMany({
      where: { status: { in: ['PUBLISHED', 'UNLISTED'] }, infoHashV1: { not: null } },
      select: { id: true, infoHashV1: true, infoHashV2: true, infoHashV1Legacy: true },
    });
    const rows = [];
    for (const b of bundles) {
      const hashes = [b.infoHashV1, b.infoHashV2, b.infoHashV1Legacy].filter((h): h is string => !!h);
      const s = await this.swarm.stats(hashes);
      rows.push({ bundleId: b.id, at, seeders: s.seeders, leechers: s.leechers, completed: s.completed });
      this.metrics.swarmPeers.set({ bundle: b.id, kind: 'seeders' }, s.seeders);
      this.metrics.swarmPeers.set({ bundle: b.id, kind: 'leechers' }, s.leechers);
      this.metrics.swarmCompleted.set({ bundle: b.id }, s.completed);
    }
    const { count } = await this.prisma.swarmSample.createMany({ data: rows, skipDuplicates: true });
    return count;
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
