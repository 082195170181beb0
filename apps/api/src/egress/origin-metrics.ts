import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { PrismaService } from '@keyseed/database';

/**
 * Prometheus metrics of this API process (GET /metrics): origin bytes the webseed sent per bundle,
 * webseed answers by outcome, the last swarm sample per bundle, and Node's default process metrics;
 * plus the origin's totals over every API and platform seed process (webseed and seed bytes per
 * bundle, read from BundleEgress at each scrape). Each platform seed also serves its own
 * (apps/seeder, SEEDER_METRICS_PORT).
 */
@Injectable()
export class OriginMetrics {
  readonly registry = new Registry();
  readonly webseedBytes = new Counter({
    name: 'keyseed_webseed_bytes_total',
    help: 'Body bytes the webseed sent, per bundle id',
    labelNames: ['bundle'],
    registers: [this.registry],
  });
  readonly webseedResponses = new Counter({
    name: 'keyseed_webseed_responses_total',
    help: 'Webseed range requests by outcome: served, or refused with 503 + Retry-After by the swarm policy',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly swarmPeers = new Gauge({
    name: 'keyseed_swarm_peers',
    help: 'Peers of a bundle swarm at the last sample, by kind (seeders, leechers) and bundle id',
    labelNames: ['bundle', 'kind'],
    registers: [this.registry],
  });
  readonly swarmCompleted = new Gauge({
    name: 'keyseed_swarm_completed',
    help: 'Completed downloads the tracker counted for a bundle, at the last sample',
    labelNames: ['bundle'],
    registers: [this.registry],
  });

  readonly originBytes: Counter<'bundle' | 'source'> = new Counter({
    name: 'keyseed_origin_bytes_total',
    help: 'Bytes the origin sent per bundle id and source (webseed, seed), all processes, as written to PostgreSQL every EGRESS_FLUSH_MS',
    labelNames: ['bundle', 'source'],
    registers: [this.registry],
    collect: () => this.collectOriginBytes(),
  });

  constructor(private readonly prisma: PrismaService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyseed_api_' });
  }

  private async collectOriginBytes(): Promise<void> {
    const rows = await this.prisma.bundleEgress.groupBy({ by: ['bundleId', 'source'], _sum: { bytes: true } });
    this.originBytes.reset();
    for (const r of rows)
      this.originBytes.inc({ bundle: r.bundleId, source: r.source.toLowerCase() }, Number(r._sum.bytes ?? 0n));
  }
}
