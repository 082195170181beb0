import { SendSpacing } from './send-spacing';
import { settleInSlices } from './turn-slices';

interface Waiting<T> {
  rows: T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Rows per write at most (1000). */
  maxRows?: number;
  /** Each write goes out this long after the first row not in one (0). */
  delayMs?: number;
  /** At most one write per this many milliseconds, the first after a quiet spell at once (0: no limit; SendSpacing). */
  spacingMs?: number;
}

/**
 * Group commit for audit rows: `add` resolves once its rows are written (rejects if that write
 * failed), and concurrent callers share writes. Rows added while nothing is being written go out on
 * the next turn of the event loop; rows added while a write is in flight go out together in the
 * next one, so under load a write carries every request that arrived during the previous write
 * (at most `maxRows`) and one request waits at most about two write latencies. A write's callers
 * are answered a slice per turn of the event loop, in their order (settleInSlices); the next write
 * goes out as soon as this one returns.
 *
 * With `delayMs`, a write goes out `delayMs` after the first row that is not in one (at most one
 * write per `delayMs`): for rows nobody waits for, such as a token's lastUsedAt. With `spacingMs`,
 * a write waits only until the previous one left that long ago (rows somebody waits for: the key
 * path's audit, whose writes otherwise carried one or two requests each at a premiere's release).
 */
export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private writing: Promise<void> | null = null;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;

  private readonly maxRows: number;
  private readonly delayMs: number;
  private readonly spacing: SendSpacing;

  constructor(
    private readonly write: (rows: T[]) => Promise<void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 1000;
    this.delayMs = options.delayMs ?? 0;
    this.spacing = new SendSpacing(options.spacingMs ?? 0);
  }

  add(rows: T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything added so far is written (or failed), writing a delayed batch now. */
  async drain(): Promise<void> {
    while (this.writing || this.scheduled || this.queue.length > 0) {
      if (this.writing) await this.writing;
      else if (this.scheduled && this.delayMs > 0) {
        clearTimeout(this.scheduled as NodeJS.Timeout);
        this.scheduled = null;
        this.flush();
      } else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    const go = () => {
      this.scheduled = null;
      this.flush();
    };
    this.scheduled = this.delayMs > 0 ? setTimeout(go, this.delayMs).unref() : this.spacing.schedule(go);
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const batch: Waiting<T>[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0].rows.length <= this.maxRows)) {
      const next = this.queue.shift()!;
      batch.push(next);
      rows += next.rows.length;
    }
    const written = (settle: (w: Waiting<T>) => void): void => {
      this.writing = null;
      if (this.queue.length > 0) {
        if (this.delayMs === 0 && this.spacing.wait() === 0) this.flush();
        else this.schedule();
      }
      void settleInSlices(batch, settle);
    };
    this.spacing.sent();
    this.writing = this.write(batch.flatMap((w) => w.rows)).then(
      () => written((w) => w.resolve()),
      (err: unknown) => written((w) => w.reject(err)),
    );
  }
}
