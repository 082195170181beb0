/**
 * How the worker process is started: `scripts/start.js` runs it with exactly these Node options and
 * environment, and so does `bench/ingest`, so the bench measures the process production runs.
 * Each setting was measured on bench/ingest (BENCHMARKS.md, ## ingest).
 *
 * Node options, before the script:
 * - `--max-semi-space-size=1` (MiB; Node's CLI docs): V8's default young generation of the main
 *   isolate keeps ~30 MiB resident for an app that mostly waits on Redis and PostgreSQL; 1 MiB (V8's
 *   own default for small heaps) keeps ~2 MiB. The hashing threads set theirs in thread-runner.ts.
 * - `--no-wasm-dynamic-tiering --no-wasm-tier-up` (V8 options, `node --v8-options`): Prisma 7's query
 *   compiler is a 3.4 MiB WebAssembly module; re-compiling its hot functions with TurboFan in the
 *   background left ~50 MiB in malloc arenas and cost ~0.8 CPU-s during the first queries, while its
 *   per-query cost is the same on the baseline (Liftoff) code.
 * - `--expose-gc` (Node's CLI docs): lets the hashing threads run a minor GC every few MiB (see
 *   `collectGarbage` in ingest-thread.ts).
 */
export const WORKER_NODE_ARGS: readonly string[] = [
  '--enable-source-maps',
  '--max-semi-space-size=1',
  '--no-wasm-dynamic-tiering',
  '--no-wasm-tier-up',
  '--expose-gc',
];

/**
 * Environment: `MALLOC_ARENA_MAX=2` (glibc, mallopt(3)). By default every thread that mallocs (the
 * hashing threads, V8's background compiler and GC threads, libuv's pool) gets an arena of its own,
 * each keeping what it once held; two shared arenas kept the worker ~20 MiB smaller at the same speed.
 */
export const WORKER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
