import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';
import { EphemeralKeyPool } from '@keyseed/crypto';

/** Longest run of pair-making at once (≈ 150 µs a pair): a request arriving meanwhile waits at most about this. */
const SLICE_MS = 4;
/** Pairs made between two looks at the clock. */
const PAIRS_PER_STEP = 4;
/** Pause between checks while the pool is short (after a slice, or after a busy stretch). */
const SHORT_PAUSE_MS = 5;
/** Pause between checks while the pool is full. */
const FULL_PAUSE_MS = 250;
/**
 * The process counts as idle when other work kept its event loop busy less than IDLE_LOAD of the
 * time, averaged over about LOAD_HORIZON_MS (so a loop 70 % busy at a premiere, idle in many of its
 * short gaps, is not idle), and less than half of the time since the last check (so a burst stops
 * the refill within a few milliseconds). While the pool fills, the refill's own garbage
 * collection and timers count as other work (20–30 % here): at 0.25 an idle API filled 400 pairs a
 * second, at 0.5 about 3 000.
 */
const IDLE_LOAD = 0.5;
const LOAD_HORIZON_MS = 250;

/**
 * Whether the event loop is idle enough to make pairs, from what it did since the last look:
 * `activeMs` and `idleMs` as `performance.eventLoopUtilization` counts them, `ownMs` of the active
 * time spent making pairs (not other work).
 */
export class IdleLoop {
  /** Share of the loop's time other work used, averaged over about LOAD_HORIZON_MS; busy until seen idle. */
  private load = 1;

  observe(activeMs: number, idleMs: number, ownMs: number): boolean {
    const elapsed = activeMs + idleMs;
    const share = elapsed > 0 ? Math.max(0, activeMs - ownMs) / elapsed : 0;
    const decay = Math.exp(-elapsed / LOAD_HORIZON_MS);
    this.load = this.load * decay + share * (1 - decay);
    return this.load <= IDLE_LOAD && share <= 0.5;
  }
}

/**
 * Fills the EphemeralKeyPool while the API is idle (docs/architecture.md, the release minute): a
 * few milliseconds of pair-making at a time, and only when requests have left the event loop mostly
 * idle for a while, so the pool is full before a premiere and the work is not done during its burst
 * (when the pool runs dry the seals make their own pairs). Runs on the event loop's timers,
 * unref'd: it never keeps the process alive.
 */
@Injectable()
export class EphemeralKeyRefill implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('keys');
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  /** Milliseconds of the last slice: the loop was busy with it, not with requests. */
  private ownMs = 0;
  private readonly loop = new IdleLoop();
  private reported = false;

  constructor(private readonly pool: EphemeralKeyPool) {}

  onApplicationBootstrap(): void {
    if (this.pool.capacity > 0) this.schedule(SHORT_PAUSE_MS);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One check: makes pairs for up to SLICE_MS when the pool is short and the loop has been idle; returns how many. */
  refillIfIdle(): number {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    const idle = this.loop.observe(since.active, since.idle, this.ownMs);
    this.ownMs = 0;
    if (this.pool.size >= this.pool.capacity || !idle) return 0;
    const start = performance.now();
    let made = 0;
    let step: number;
    do {
      step = this.pool.fill(PAIRS_PER_STEP);
      made += step;
    } while (step > 0 && performance.now() - start < SLICE_MS);
    this.ownMs = performance.now() - start;
    return made;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.check(), ms).unref();
  }

  private check(): void {
    this.refillIfIdle();
    const full = this.pool.size >= this.pool.capacity;
    if (full && !this.reported) {
      this.reported = true;
      this.logger.log({ event: 'keys.ephemeral_pool_full', pairs: this.pool.size });
    }
    this.schedule(full ? FULL_PAUSE_MS : SHORT_PAUSE_MS);
  }
}
