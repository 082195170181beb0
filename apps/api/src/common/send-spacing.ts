import { performance } from 'node:perf_hooks';

/**
 * At most one send per `ms` milliseconds (0: no limit), for the batched statements and commands of
 * the key path (docs/architecture.md, the release minute). A batch goes out at once when the
 * previous one left `ms` ago or more, so a lone request waits for nothing; under load each batch
 * carries what arrived in the last `ms` instead of the one or two requests of a single turn.
 */
export class SendSpacing {
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(private readonly ms: number) {}

  /** Milliseconds until the next send may go (0: now). */
  wait(): number {
    return this.ms === 0 ? 0 : Math.max(0, this.lastSent + this.ms - performance.now());
  }

  sent(): void {
    if (this.ms > 0) this.lastSent = performance.now();
  }

  /** Runs `go` when the next send may go: on the next turn of the event loop, or after the wait. */
  schedule(go: () => void): NodeJS.Immediate | NodeJS.Timeout {
    const wait = this.wait();
    return wait > 0 ? setTimeout(go, Math.ceil(wait)) : setImmediate(go);
  }
}
