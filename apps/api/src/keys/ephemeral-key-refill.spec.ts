import { EphemeralKeyPool } from '@keyseed/crypto';
import { EphemeralKeyRefill } from './ephemeral-key-refill';

const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('EphemeralKeyRefill', () => {
  it('fills the pool while the event loop is idle, a few milliseconds at a time, up to capacity', async () => {
    const pool = new EphemeralKeyPool(300);
    const refill = new EphemeralKeyRefill(pool);
    await idle(20);
    const first = refill.refillIfIdle();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(300); // one slice is a few milliseconds, not the whole pool
    for (let i = 0; i < 500 && pool.size < 300; i++) {
      await idle(5);
      refill.refillIfIdle();
    }
    expect(pool.size).toBe(300);
    await idle(5);
    expect(refill.refillIfIdle()).toBe(0);
  });

  it('makes nothing while other work keeps the event loop busy', async () => {
    const pool = new EphemeralKeyPool(100);
    const refill = new EphemeralKeyRefill(pool);
    busy(30);
    expect(refill.refillIfIdle()).toBe(0);
    await idle(30);
    expect(refill.refillIfIdle()).toBeGreaterThan(0);
  });

  it('does not count its own slices as other work', async () => {
    const pool = new EphemeralKeyPool(100_000);
    const refill = new EphemeralKeyRefill(pool);
    await idle(10);
    expect(refill.refillIfIdle()).toBeGreaterThan(0);
    // The loop was busy only with the slice above since: still idle.
    await idle(2);
    expect(refill.refillIfIdle()).toBeGreaterThan(0);
  });

  it('refills on its own timers after boot, and stops at shutdown', async () => {
    const pool = new EphemeralKeyPool(50);
    const refill = new EphemeralKeyRefill(pool);
    refill.onApplicationBootstrap();
    for (let i = 0; i < 200 && pool.size < 50; i++) await idle(10);
    expect(pool.size).toBe(50);
    pool.take();
    pool.take();
    for (let i = 0; i < 100 && pool.size < 50; i++) await idle(10);
    expect(pool.size).toBe(50);
    refill.onModuleDestroy();
    pool.take();
    await idle(400);
    expect(pool.size).toBe(49);
  });
});
