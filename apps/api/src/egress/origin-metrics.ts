import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * Prometheus metrics of this API process (GET /metrics): origin bytes the webseed sent per bundle,
 * webseed answers by outcome, the last swarm sample per bundle, and Node's default process metrics.
 * The platform seed's bytes are in PostgreSQL (BundleEgress, source SEED) and the egress REST route.
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyseed_api_' });
  }
}
