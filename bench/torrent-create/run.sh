#!/bin/sh
# Torrent-creation benchmark (see run.ts). Usage: bench/torrent-create/run.sh [sizeMiB] [pieceLength]
set -e
cd "$(dirname "$0")/../.."
[ -f dist/bench/torrent-create/run.js ] || npm run build
exec node dist/bench/torrent-create/run.js "$@"
