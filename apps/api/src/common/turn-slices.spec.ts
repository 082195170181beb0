import { stat } from 'node:fs';
import { settleInSlices } from './turn-slices';

const turn = () => new Promise((r) => setImmediate(r));

describe('settleInSlices', () => {
  it('settles every item in order, perTurn of them per turn of the event loop', async () => {
    const settled: number[] = [];
    const done = settleInSlices([0, 1, 2, 3, 4, 5, 6], (item, i) => settled.push(item * 10 + i), 3);
    expect(settled).toEqual([0, 11, 22]); // the first slice at once
    await turn();
    expect(settled).toEqual([0, 11, 22, 33, 44, 55]);
    await done;
    expect(settled).toEqual([0, 11, 22, 33, 44, 55, 66]);
  });

  it('lets I/O and timers run between slices', async () => {
    const events: string[] = [];
    const items = Array.from({ length: 5_000 }, (_, i) => i);
    const done = settleInSlices(items, (item) => events.push(`item ${item}`), 1);
    const io = new Promise<void>((resolve) => stat(__filename, () => resolve(void events.push('io'))));
    await Promise.all([done, io]);
    expect(events.indexOf('io')).toBeGreaterThan(events.indexOf('item 0'));
    expect(events.indexOf('io')).toBeLessThan(events.indexOf('item 4999'));
  });
});
