import { EphemeralKeyPool } from '@keyseed/crypto';
import { EphemeralKeyRefill, IdleLoop } from './ephemeral-key-refill';

const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IdleLoop', () => {
  it('counts the process as busy until it has seen it idle for a while', () => {
    const loop = new IdleLoop();
    expect(loop.observe(0, 5, 0)).toBe(false);
    expect(loop.observe(0, 400, 0)).toBe(true);
  });

  it('is not idle in the short gaps of a loop busy most of the time', () => {
    const loop = new IdleLoop();
    loop.observe(0, 1000, 0);
    const inGaps = Array.from({ length: 100 }, () => {
      loop.observe(9, 1, 0);
      return loop.observe(0, 3, 0);
    });
    expect(inGaps.slice(40)).not.toContain(true);
  });

  it('is idle while requests keep the loop a quarter busy', () => {
    const loop = new IdleLoop();
    loop.observe(0, 1000, 0);
    const answers = Array.from({ length: 100 }, () => loop.observe(1, 3, 0));
    expect(answers).not.toContain(false);
  });

  it('stops at once when a burst starts, and again after a quiet stretch', () => {
    const loop = new IdleLoop();
    expect(loop.observe(0, 1000, 0)).toBe(true);
    expect(loop.observe(4, 1, 0)).toBe(false); // the first milliseconds of a burst
    for (let i = 0; i < 100; i++) loop.observe(8, 2, 0);
    expect(loop.observe(0, 5, 0)).toBe(false); // one gap in a busy second
    expect(loop.observe(0, 1000, 0)).toBe(true);
  });

  it('does not count its own pair-making as other work', () => {
    const loop = new IdleLoop();
    loop.observe(0, 1000, 0);
    for (let i = 0; i < 100; i++) expect(loop.observe(4, 1, 4)).toBe(true);
  });
});

describe('EphemeralKeyRefill', () => {
  it('fills the pool while the event loop is idle, a few milliseconds at a time, up to capacity', async () => {
    const pool = new EphemeralKeyPool(300);
    const refill = new EphemeralKeyRefill(pool);
    await idle(500);
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

  it('makes nothing right after the event loop was busy', async () => {
    const pool = new EphemeralKeyPool(100);
    const refill = new EphemeralKeyRefill(pool);
    await idle(500);
    expect(refill.refillIfIdle()).toBeGreaterThan(0);
    const until = performance.now() + 30;
    while (performance.now() < until);
    expect(refill.refillIfIdle()).toBe(0);
  });

  it('refills on its own timers after boot, and stops at shutdown', async () => {
    const pool = new EphemeralKeyPool(50);
    const refill = new EphemeralKeyRefill(pool);
    refill.onApplicationBootstrap();
    for (let i = 0; i < 300 && pool.size < 50; i++) await idle(10);
    expect(pool.size).toBe(50);
    pool.take();
    pool.take();
    for (let i = 0; i < 200 && pool.size < 50; i++) await idle(10);
    expect(pool.size).toBe(50);
    refill.onModuleDestroy();
    pool.take();
    await idle(600);
    expect(pool.size).toBe(49);
  });
});
