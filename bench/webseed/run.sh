#!/bin/sh
# Webseed benchmark (see run.ts): Keyseed vs nginx vs python http.server, random 4 MiB ranges with wrk.
set -e
cd "$(dirname "$0")/../.."
exec node -r ./scripts/ts-register.js bench/webseed/run.ts "$@"
