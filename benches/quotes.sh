#!/usr/bin/env bash
# Preview benchmark: server time of POST /api/v1/quotes/preview for quotes of 1, 10
# and 50 windows (the three default products in turn), 8 connections, rotating
# over tenants. wrk's latency includes loopback and the client: it bounds the
# server time from above.
#
#   benches/quotes.sh [duration] [connections] [tenants]      (defaults: 15s 8 4)
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-15s}"
CONNECTIONS="${2:-8}"
TENANTS="${3:-4}"
PORT=8079
DB=vt_bench_quotes
source "$ROOT/benches/lib.sh"
start_bench_server

echo "== $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION; $TENANTS tenants"
for items in 1 10 50; do
  echo "== POST /api/v1/quotes/preview, $items items"
  BENCH_ITEMS=$items wrk -t1 -c"$CONNECTIONS" -d3s -s benches/preview.lua "http://127.0.0.1:$PORT" >/dev/null
  BENCH_ITEMS=$items wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/preview.lua "http://127.0.0.1:$PORT" |
    grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx'
done
