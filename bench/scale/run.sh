#!/bin/sh
# Scale-out benchmark (BENCHMARKS.md "scale"): announces/s and key deliveries/s with 1 and 2 API
# processes and CPU per announce against the in-memory tracker (run.ts), then ingest MB/s on S3
# against the local disk (ingest.ts, needs `npm run build`). Prints JSON lines and the load average.
#   env: BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_PEERS (run.ts); BENCH_MIB, BENCH_RUNS (ingest.ts)
set -e
cd "$(dirname "$0")/../.."
echo "{\"loadAverageBefore\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
node -r ./scripts/ts-register.js bench/scale/run.ts
node -r ./scripts/ts-register.js bench/scale/ingest.ts
echo "{\"loadAverageAfter\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
