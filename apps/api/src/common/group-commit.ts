interface Waiting<T> {
  rows: T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for audit rows: `add` resolves once its rows are written (rejects if that write
 * failed), and concurrent callers share writes. Rows added while nothing is being written go out on
 * the next turn of the event loop; rows added while a write is in flight go out together in the
 * next one, so under load a write carries every request that arrived during the previous write
 * (at most `maxRows`) and one request waits at most about two write latencies.
 */
export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly maxRows = 1000,
  ) {}

  add(rows: T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything added so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.writing || this.scheduled || this.queue.length > 0) {
      if (this.writing) await this.writing;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
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
    this.writing = this.write(batch.flatMap((w) => w.rows))
      .then(
        () => batch.forEach((w) => w.resolve()),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.writing = null;
        if (this.queue.length > 0) this.flush();
      });
  }
}
