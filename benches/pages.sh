#!/usr/bin/env bash
# Server time of the web app's pages: 8 concurrent signed-in users (wrk, 8
# connections, keep-alive) on each page in turn, p50 / p99 latency as wrk sees it
# on loopback (server time plus a loopback round trip), requests per second, and the
# page's size as sent (without its cached assets).
#
#   benches/pages.sh [duration] [connections]      (defaults: 10s 8)
#
# A release server on 127.0.0.1:8077 against a scratch database, 8 tenants, their
# admins' sessions as cookies (benches/pages.lua). Results go in docs/benchmarks.md
# (issue #10's bar: every page under 50 ms at p99 with 8 concurrent users).
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-10s}"
CONNECTIONS="${2:-8}"
TENANTS=8
PORT=8077
DB=vt_bench

source "$ROOT/benches/lib.sh"
start_bench_server

pages=(
  /catalogo
  "/catalogo?categoria=glass&q=claro"
  /catalogo/VID-CLARO-4/historial
  /precios
  /precios/historial
  "/precios/historial?en_codigo=VID-CLARO-4&en_fecha=2026-12-01"
  /clientes
  /clientes/nuevo
  /cotizar
  /cotizaciones
)
echo "== $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION; $TENANTS tenants' admins"
echo "| page | p50 ms | p99 ms | req/s | non-200 | bytes |"
echo "|---|---|---|---|---|---|"
for page in "${pages[@]}"; do
  PAGE="$page" wrk -t1 -c"$CONNECTIONS" -d2s -s benches/pages.lua "http://127.0.0.1:$PORT" >/dev/null
  line="$(PAGE="$page" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s benches/pages.lua "http://127.0.0.1:$PORT" | grep '^p50_ms=')"
  eval "$line"
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "$page" "$p50_ms" "$p99_ms" "$rps" "$non200" "$bytes_per_page"
done
# The sign-in page, without a session.
wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$PORT/entrar" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/entrar" |
  awk '/ 50%/ {p50=$2} / 99%/ {p99=$2} /^Requests\/sec/ {rps=$2} END {printf "| `/entrar` (no session) | %s | %s | %s | | |\n", p50, p99, rps}'
