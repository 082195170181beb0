import { CALLERS_PER_TURN, settleInSlices } from './turn-slices';

interface Waiting<K, R> {
  key: K;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
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
 */
export class BatchedReads<K, R> {
  private queue: Waiting<K, R>[] = [];
  private inFlight = 0;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly read: (keys: K[]) => Promise<R[]>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 500,
    private readonly perTurn = CALLERS_PER_TURN,
  ) {}

  get(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      if (this.scheduled || this.inFlight >= this.maxInFlight) return;
      this.scheduled = setImmediate(() => {
        this.scheduled = null;
        this.flush();
      });
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.run(batch);
    }
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
