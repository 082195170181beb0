import { SendSpacing } from './send-spacing';
import { CALLERS_PER_TURN, settleInSlices } from './turn-slices';

interface Waiting<K, R> {
  key: K;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export interface BatchedReadsOptions {
  /** Statements out at once (2). */
  maxInFlight?: number;
  /** Keys per statement at most (500). */
  maxBatch?: number;
  /** Callers answered per turn of the event loop (CALLERS_PER_TURN). */
  perTurn?: number;
  /** At most one statement per this many milliseconds (0: no limit; SendSpacing). */
  spacingMs?: number;
}

/**
 * Coalesces concurrent reads of single rows into batched statements (one `= ANY($1)` or
 * `unnest($1)` query for many keys): at a premiere thousands of buyers' first requests each miss
 * every cache at once, and one round trip per request costs the API more CPU in socket writes than
 * the rest of the request, and PostgreSQL one statement execution each.
 *
 * Reads asked while fewer than `maxInFlight` batches are out go out on the next turn of the event
 * loop, together with every other read asked in the same turn; reads asked while `maxInFlight`
 * batches are out go out together as soon as one returns (at most `maxBatch` keys a statement). So
 * a lone read waits no longer than before, and under load a read waits at most about two
 * statements' time. `read` answers the keys in their order (one result per key); when it fails,
 * every read of that batch is rejected with its error. Only keys already validated go in: one
 * key the statement refuses would fail its whole batch. A batch's callers are answered `perTurn` per
 * turn of the event loop, in their order (settleInSlices: each caller goes on with its request, and
 * five hundred of them in one turn would hold new connections back); the next statement goes out
 * as soon as this one returns, before they are all answered.
 *
 * With `spacingMs`, a statement also waits until the previous one left that long ago: a fast
 * database answers within a millisecond, so at a thousand requests a second the batches above
 * carried one or two keys each (BENCHMARKS.md, premiere, session 11).
 */
export class BatchedReads<K, R> {
  private queue: Waiting<K, R>[] = [];
  private inFlight = 0;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly perTurn: number;
  private readonly spacing: SendSpacing;

  constructor(
    private readonly read: (keys: K[]) => Promise<R[]>,
    options: BatchedReadsOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 500;
    this.perTurn = options.perTurn ?? CALLERS_PER_TURN;
    this.spacing = new SendSpacing(options.spacingMs ?? 0);
  }

  get(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = this.spacing.schedule(() => {
      this.scheduled = null;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight && this.spacing.wait() === 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.spacing.sent();
      void this.run(batch);
    }
    this.schedule();
  }

  /** Never rejects: a failure goes to the batch's callers. */
  private async run(batch: Waiting<K, R>[]): Promise<void> {
    let settle: (w: Waiting<K, R>, i: number) => void;
    try {
      const results = await this.read(batch.map((w) => w.key));
      if (results.length !== batch.length)
        throw new Error(`a batched read answered ${results.length} results for ${batch.length} keys`);
      settle = (w, i) => w.resolve(results[i]);
    } catch (err) {
      settle = (w) => w.reject(err);
    }
    this.inFlight--;
    this.flush();
    await settleInSlices(batch, settle, this.perTurn);
  }
}
