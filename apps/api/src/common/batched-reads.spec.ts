import { BatchedReads } from './batched-reads';

const turn = () => new Promise((r) => setImmediate(r));

/** A read function that records its batches and answers each when `release` is called. */
function controlledRead() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const read = (keys: number[]) =>
    new Promise<string[]>((resolve) => {
      batches.push(keys);
      pending.push(() => resolve(keys.map((k) => `row ${k}`)));
    });
  return { batches, read, release: () => pending.shift()!() };
}

describe('BatchedReads', () => {
  it('sends the reads asked in one turn as one batch and answers each caller its own result', async () => {
    const { batches, read, release } = controlledRead();
    const reads = new BatchedReads(read);
    const answers = Promise.all([reads.get(1), reads.get(2), reads.get(3)]);
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    release();
    await expect(answers).resolves.toEqual(['row 1', 'row 2', 'row 3']);
  });

  it('queues reads while maxInFlight batches are out and sends them together when one returns', async () => {
    const { batches, read, release } = controlledRead();
    const reads = new BatchedReads(read, { maxInFlight: 2 });
    const first = reads.get(1);
    await turn();
    const second = reads.get(2);
    await turn();
    expect(batches).toEqual([[1], [2]]);
    const queued = [reads.get(3), reads.get(4), reads.get(5)];
    await turn();
    expect(batches).toHaveLength(2); // both slots busy: nothing more goes out
    release();
    await expect(first).resolves.toBe('row 1');
    await turn();
    expect(batches).toEqual([[1], [2], [3, 4, 5]]);
    release();
    release();
    await expect(second).resolves.toBe('row 2');
    await expect(Promise.all(queued)).resolves.toEqual(['row 3', 'row 4', 'row 5']);
  });

  it('splits a queue longer than maxBatch into several statements', async () => {
    const batches: number[][] = [];
    const reads = new BatchedReads(
      async (keys: number[]) => {
        batches.push(keys);
        return keys.map((k) => k * 10);
      },
      { maxInFlight: 1, maxBatch: 2 },
    );
    await expect(Promise.all([1, 2, 3, 4, 5].map((k) => reads.get(k)))).resolves.toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("rejects every read of a failed batch with its error, and the next batch's reads are answered", async () => {
    let fail = true;
    const reads = new BatchedReads(async (keys: number[]) => {
      if (fail) throw new Error('database down');
      return keys;
    });
    const failed = await Promise.allSettled([reads.get(1), reads.get(2)]);
    expect(failed).toEqual([
      { status: 'rejected', reason: new Error('database down') },
      { status: 'rejected', reason: new Error('database down') },
    ]);
    fail = false;
    await expect(reads.get(3)).resolves.toBe(3);
  });

  it('rejects a batch whose read answers a different number of results than keys', async () => {
    const reads = new BatchedReads(async (keys: number[]) => keys.slice(1));
    await expect(Promise.all([reads.get(1), reads.get(2)])).rejects.toThrow(
      'a batched read answered 1 results for 2 keys',
    );
  });

  it("answers a batch's callers perTurn per turn of the event loop, in order, every one of them", async () => {
    const { read, release } = controlledRead();
    const reads = new BatchedReads(read, { perTurn: 2 });
    const answered: string[] = [];
    const all = [1, 2, 3, 4, 5].map((k) => reads.get(k).then((row) => answered.push(row)));
    await turn();
    release();
    await all[1]; // the first slice is answered with the read
    expect(answered).toEqual(['row 1', 'row 2']);
    await turn();
    expect(answered).toEqual(['row 1', 'row 2', 'row 3', 'row 4']);
    await Promise.all(all);
    expect(answered).toEqual(['row 1', 'row 2', 'row 3', 'row 4', 'row 5']);
  });

  it('rejects every caller of a failed batch, in slices, and sends the next batch without waiting for them', async () => {
    const batches: number[][] = [];
    let rejected = 0;
    let rejectedWhenSecondBatchWent = -1;
    const reads = new BatchedReads(
      async (keys: number[]) => {
        batches.push(keys);
        if (keys[0] === 1) throw new Error('database down');
        rejectedWhenSecondBatchWent = rejected;
        return keys;
      },
      { maxInFlight: 1, maxBatch: 3, perTurn: 1 },
    );
    const asked = [1, 2, 3, 4].map((k) =>
      reads.get(k).catch((err: Error) => {
        rejected++;
        throw err;
      }),
    );
    const settled = await Promise.allSettled(asked);
    expect(settled.slice(0, 3)).toEqual(Array(3).fill({ status: 'rejected', reason: new Error('database down') }));
    expect(settled[3]).toEqual({ status: 'fulfilled', value: 4 });
    expect(batches).toEqual([[1, 2, 3], [4]]);
    expect(rejectedWhenSecondBatchWent).toBeLessThan(3);
  });

  it('with spacingMs, sends a lone read at once and the next statement spacingMs after it, with every read asked meanwhile', async () => {
    const batches: number[][] = [];
    const sentAt: number[] = [];
    const reads = new BatchedReads(
      async (keys: number[]) => {
        batches.push(keys);
        sentAt.push(performance.now());
        return keys;
      },
      { spacingMs: 40 },
    );
    const asked = performance.now();
    await expect(reads.get(1)).resolves.toBe(1);
    expect(sentAt[0] - asked).toBeLessThan(20);
    const meanwhile = [reads.get(2), reads.get(3)];
    await turn();
    meanwhile.push(reads.get(4));
    await expect(Promise.all(meanwhile)).resolves.toEqual([2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(39);
  });
});
