import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient, QueryConfig } from 'pg';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';

/** Connections of the pool: enough for the key path's reads and its audit writes to overlap. */
const HOT_PATH_CONNECTIONS = 6;

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
    super({ connectionString: config.DATABASE_URL, max: HOT_PATH_CONNECTIONS, idleTimeoutMillis: 0 });
    this.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
  }

  /**
   * Opens every connection of the pool and runs each statement `rounds` times on each: the
   * connections, their PostgreSQL backends' catalog caches and the prepared statements (generic
   * plans after five runs) are then ready before the first request needs them. The statements must
   * change nothing. Rejects with the first failure, every connection returned to the pool.
   */
  async warmUp(statements: QueryConfig[], rounds: number): Promise<void> {
    const opened = await Promise.allSettled(Array.from({ length: HOT_PATH_CONNECTIONS }, () => this.connect()));
    const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const ran = await Promise.allSettled(clients.map((client) => runOn(client, statements, rounds)));
    const failed = [...opened, ...ran].find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Last in the shutdown sequence, after the stores' own hooks have written what they buffered. */
  async onApplicationShutdown(): Promise<void> {
    await this.end();
  }
}

async function runOn(client: PoolClient, statements: QueryConfig[], rounds: number): Promise<void> {
  try {
    for (let i = 0; i < rounds; i++) for (const statement of statements) await client.query(statement);
    client.release();
  } catch (err) {
    client.release(err as Error); // not reused: its state is unknown
    throw err;
  }
}
