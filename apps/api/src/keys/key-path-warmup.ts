import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HotPathPool } from '@keyseed/database';
import { TokenStore } from '../auth/token-store';
import { KeyDeliveryService } from './key-delivery.service';
import { KeyDeliveryStore } from './key-delivery.store';
import { KeyRateLimiter } from './key-rate-limiter';

/** Seals run at boot: enough calls for V8 to optimise the seal, the payload and their JSON. */
const SEAL_ROUNDS = 300;
/** Runs of each hot statement per connection: PostgreSQL plans a prepared statement for each of its first five. */
const STATEMENT_ROUNDS = 6;
/** Rate-limit scripts counted at boot, on throw-away scopes. */
const RATE_LIMIT_ROUNDS = 300;
/** Boot does not wait longer than this for the warm-up (an unreachable database or Redis host). */
const WARM_UP_TIMEOUT_MS = 10_000;

/**
 * Readies the key path before the API takes requests (Nest runs this before `listen`;
 * docs/architecture.md, key path): at a premiere the first second brings a thousand buyers at once,
 * and a cold path answered them in over a second while the rest of the minute took milliseconds
 * (BENCHMARKS.md, premiere). It opens every hot-path connection and runs each key-path statement on
 * it (values that match no row and change nothing), loads the rate-limit script into Redis and
 * counts throw-away scopes with it, and runs the seal (on the seal thread) on synthetic keys. No real row, license or
 * counter is touched. KeyRouteWarmup readies the HTTP half once the API listens. A failure (the
 * database or Redis down at boot) is logged and boot goes on: requests then answer as they would
 * have without it.
 */
@Injectable()
export class KeyPathWarmup implements OnApplicationBootstrap {
  private readonly logger = new Logger('keys');

  constructor(
    private readonly pool: HotPathPool,
    private readonly store: KeyDeliveryStore,
    private readonly tokens: TokenStore,
    private readonly limiter: KeyRateLimiter,
    private readonly keys: KeyDeliveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const statements = [...this.store.warmUpQueries(), ...this.tokens.warmUpQueries()];
    const parts = Promise.allSettled([
      this.pool.warmUp(statements, STATEMENT_ROUNDS),
      this.limiter.warmUp(RATE_LIMIT_ROUNDS),
      this.keys.warmUpSeal(SEAL_ROUNDS),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      parts,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), WARM_UP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    const failed =
      outcome === 'timeout'
        ? [`unfinished after ${WARM_UP_TIMEOUT_MS} ms`]
        : outcome.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length > 0) this.logger.warn({ event: 'keys.warm_up_incomplete', ms: Date.now() - started, failed });
    else this.logger.log({ event: 'keys.warm_up', ms: Date.now() - started });
  }
}
