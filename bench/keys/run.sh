#!/bin/sh
# Sealed key delivery benchmark (see run.ts). Usage: bench/keys/run.sh   (env: BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_PIECES, BENCH_WORKERS)
set -e
cd "$(dirname "$0")/../.."
exec node -r ./scripts/ts-register.js bench/keys/run.ts "$@"
