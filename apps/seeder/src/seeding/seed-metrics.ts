import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';

/**
 * Prometheus metrics of this platform seed process (GET /metrics on SEEDER_METRICS_PORT, when set):
 * payload bytes it sent per bundle since it started (the same bytes it adds to BundleEgress, source
 * SEED), its torrents and peer connections, and Node's process metrics. The API's /metrics has the
 * totals of every process, from PostgreSQL.
 */
@Injectable()
export class SeedMetrics implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('seeder');
  readonly registry = new Registry();
  readonly bytes = new Counter({
    name: 'keyseed_seed_bytes_total',
    help: 'Payload bytes this platform seed sent to peers, per bundle id',
    labelNames: ['bundle'],
    registers: [this.registry],
  });
  readonly torrents = new Gauge({
    name: 'keyseed_seed_torrents',
    help: 'Torrents this platform seed seeds (two per served bundle: hybrid and v1 twin)',
    registers: [this.registry],
  });
  readonly peers = new Gauge({
    name: 'keyseed_seed_peers',
    help: 'Peer connections of this platform seed',
    registers: [this.registry],
  });
  private server: Server | null = null;

  constructor(@Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyseed_seeder_' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.SEEDER_METRICS_PORT;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.SEEDER_METRICS_HOST, () => resolve());
    });
    const address = server.address();
    this.logger.log({
      event: 'seeder.metrics',
      host: this.config.SEEDER_METRICS_HOST,
      port: typeof address === 'object' && address ? address.port : port,
    });
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
