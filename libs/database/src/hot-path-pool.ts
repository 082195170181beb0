import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';

/**
 * A small node-postgres pool for the routes a launch storm hits on every request (bearer-token
 * lookup, key delivery): raw SQL with named prepared statements, because Prisma's client runtime
 * costs several times the query itself there (BENCHMARKS.md, keys). Everything else uses Prisma.
 */
@Injectable()
export class HotPathPool extends Pool implements OnApplicationShutdown {
  constructor(@Inject(KEYSEED_CONFIG) config: KeyseedConfig) {
    // Idle connections are kept (node-postgres closes them after 10 s by default): a premiere's
    // release minute often follows a quiet one, and each reopened connection costs a backend start
    // and a cold catalog cache in PostgreSQL just when every buyer asks at once.
    super({ connectionString: config.DATABASE_URL, max: 6, idleTimeoutMillis: 0 });
    this.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
  }

  /** Last in the shutdown sequence, after the stores' own hooks have written what they buffered. */
  async onApplicationShutdown(): Promise<void> {
    await this.end();
  }
}
