#!/bin/sh
# The premiere minute (see run.ts). Usage: bench/premiere/run.sh   (env: BENCH_BUYERS, BENCH_SECONDS, BENCH_BURST_SECONDS, BENCH_WORKERS, BENCH_SOCKETS, BENCH_CEILING, BENCH_CPU_PROF, BENCH_PREPOLL, BENCH_TIMELINE, BENCH_IDLE_BEFORE_RELEASE, BENCH_LOAD_NICE, BENCH_API_NODE_FLAGS)
set -e
cd "$(dirname "$0")/../.."
exec node -r ./scripts/ts-register.js bench/premiere/run.ts "$@"
