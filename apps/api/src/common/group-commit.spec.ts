import { GroupCommit } from './group-commit';
import { CALLERS_PER_TURN } from './turn-slices';

describe('GroupCommit', () => {
  it('writes rows added together in one write and resolves each caller after it', async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit<number>(async (rows) => {
      writes.push(rows);
      await new Promise((r) => setTimeout(r, 5));
    });
    const first = commit.add([1]);
    const second = commit.add([2, 3]);
    await new Promise((r) => setImmediate(r));
    const third = commit.add([4]); // arrives while the first write is in flight
    const fourth = commit.add([5]);
    await Promise.all([first, second, third, fourth]);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('rejects every caller of a failed write, and keeps going', async () => {
    let fail = true;
    const commit = new GroupCommit<number>(async () => {
      if (fail) throw new Error('database down');
    });
    const results = await Promise.allSettled([commit.add([1]), commit.add([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(commit.add([3])).resolves.toBeUndefined();
  });

  it('splits batches at maxRows and drains', async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit<number>(
      async (rows) => {
        writes.push(rows);
      },
      { maxRows: 2 },
    );
    const all = [commit.add([1]), commit.add([2]), commit.add([3])];
    await commit.drain();
    await Promise.all(all);
    expect(writes).toEqual([[1, 2], [3]]);
  });

  it('with delayMs, writes at most once per delay, and drain writes a waiting batch at once', async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit<number>(
      async (rows) => {
        writes.push(rows);
      },
      { delayMs: 50 },
    );
    const first = [commit.add([1]), commit.add([2])];
    await new Promise((r) => setTimeout(r, 10));
    expect(writes).toEqual([]);
    const third = commit.add([3]);
    await Promise.all([...first, third]);
    expect(writes).toEqual([[1, 2, 3]]);
    const fourth = commit.add([4]);
    const started = Date.now();
    await commit.drain();
    await fourth;
    expect(Date.now() - started).toBeLessThan(40);
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it("resolves a write's callers CALLERS_PER_TURN per turn of the event loop, in order", async () => {
    const commit = new GroupCommit<number>(async () => {});
    const resolved: number[] = [];
    const callers = Array.from({ length: CALLERS_PER_TURN + 5 }, (_, i) =>
      commit.add([i]).then(() => resolved.push(i)),
    );
    await callers[CALLERS_PER_TURN - 1]; // the first slice is resolved with the write
    expect(resolved).toEqual(Array.from({ length: CALLERS_PER_TURN }, (_, i) => i));
    await Promise.all(callers);
    expect(resolved).toEqual(Array.from({ length: CALLERS_PER_TURN + 5 }, (_, i) => i));
  });

  it('with spacingMs, writes a lone row at once and the next write spacingMs after the last, with every row added meanwhile', async () => {
    const writes: number[][] = [];
    const wroteAt: number[] = [];
    const commit = new GroupCommit<number>(
      async (rows) => {
        writes.push(rows);
        wroteAt.push(performance.now());
      },
      { spacingMs: 40 },
    );
    const added = performance.now();
    await commit.add([1]);
    expect(wroteAt[0] - added).toBeLessThan(20);
    const meanwhile = [commit.add([2]), commit.add([3, 4])];
    await new Promise((r) => setImmediate(r));
    meanwhile.push(commit.add([5]));
    await Promise.all(meanwhile);
    expect(writes).toEqual([[1], [2, 3, 4, 5]]);
    expect(wroteAt[1] - wroteAt[0]).toBeGreaterThanOrEqual(39);
  });
});
