#!/bin/sh
# Swarm benchmark (see run.ts): origin copies and slowest leecher, swarm-aware webseed vs plain, N libtorrent leechers.
set -e
cd "$(dirname "$0")/../.."
exec node -r ./scripts/ts-register.js bench/swarm/run.ts "$@"
