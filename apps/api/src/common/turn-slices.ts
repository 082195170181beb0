/**
 * How many waiting callers one turn of the event loop lets go on when many are ready at once (a
 * batched read, a group commit or a pipeline of Redis replies answering hundreds of requests). Each
 * caller's continuation is a request's next step (its rate limit, its seal, its answer), so a turn
 * that let them all go would run for a hundred milliseconds or more, and new connections, replies
 * and timers wait behind it: at a premiere's release the load generator's fresh connections were
 * taken 0.76 s after they connected (docs/architecture.md, the release minute; BENCHMARKS.md,
 * premiere, sessions 8–9).
 */
export const CALLERS_PER_TURN = 32;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Calls `settle` for every item in order, `perTurn` of them per turn of the event loop (the next
 * slice after a setImmediate, so I/O is polled between slices). Resolves after the last slice.
 */
export async function settleInSlices<T>(
  items: readonly T[],
  settle: (item: T, index: number) => void,
  perTurn = CALLERS_PER_TURN,
): Promise<void> {
  for (let start = 0; start < items.length; start += perTurn) {
    if (start > 0) await nextTurn();
    const end = Math.min(items.length, start + perTurn);
    for (let i = start; i < end; i++) settle(items[i], i);
  }
}
