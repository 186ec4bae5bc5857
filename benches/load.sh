#!/usr/bin/env bash
# Load benchmark: authenticated GET /api/v1/prices/{code} against GET /health (no
# I/O), both under the same concurrency, rotating over tenants and codes.
#
#   benches/load.sh [duration] [connections] [tenants]      (defaults: 20s 64 8)
#
# Starts its own release server on 127.0.0.1:8077 against a scratch database
# (vt_bench) and Redis prefix, onboards the tenants, logs their admins in, runs wrk
# (installed from Debian if missing) and prints wrk's report for each endpoint.
# Everything stays on loopback and stops by itself. Results go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-20s}"
CONNECTIONS="${2:-64}"
TENANTS="${3:-8}"
PORT=8077
WRK_THREADS="${WRK_THREADS:-1}"
DB=vt_bench

source "$ROOT/benches/lib.sh"
start_bench_server

# Warm up both endpoints (connections, caches) so the figures are steady state.
wrk -t1 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$PORT/health" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d3s -s benches/prices.lua "http://127.0.0.1:$PORT" >/dev/null

echo "== $(nproc) cores; wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION; $TENANTS tenants x 25 codes"
echo "== GET /health"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/health"
echo "== GET /api/v1/prices/{code} (authenticated, rotating tenants and codes)"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/prices.lua "http://127.0.0.1:$PORT"
echo "== server metrics"
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^ventanas_(cache|redis)'
