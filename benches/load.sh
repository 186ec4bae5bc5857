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

command -v wrk >/dev/null || apt_install wrk
ensure_postgres
ensure_redis
ensure_roles
psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
psql_super -qc "CREATE DATABASE $DB OWNER ventanas_owner"

cargo build --release --quiet
bin="$ROOT/target/release/ventanas"
export VENTANAS_ENV=local
export VENTANAS__DATABASE__URL="postgres://ventanas_app:$APP_PASSWORD@127.0.0.1:5432/$DB"
export VENTANAS__DATABASE__PLATFORM_URL="postgres://ventanas_platform:$PLATFORM_PASSWORD@127.0.0.1:5432/$DB"
export VENTANAS__DATABASE__OWNER_URL="postgres://ventanas_owner:$OWNER_PASSWORD@127.0.0.1:5432/$DB"
export VENTANAS__REDIS__KEY_PREFIX="vt_bench_$$"
export VENTANAS__SERVER__PORT=$PORT
export VENTANAS__TELEMETRY__FILTER=warn

seed_dir="$(mktemp -d)"
cp tenants/global.toml "$seed_dir/"
"$bin" migrate >/dev/null
"$bin" tenants sync --dir "$seed_dir" >/dev/null
key="$("$bin" platform-key create --name bench 2>/dev/null)"

"$bin" serve >/tmp/ventanas-bench.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

tokens=()
for i in $(seq 1 "$TENANTS"); do
  slug="bench-$i"
  curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/platform/tenants" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"slug\":\"$slug\",\"name\":\"Bench $i\",\"admin\":{\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}}" >/dev/null
  tokens+=("$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"tenant\":\"$slug\",\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}" | jq -r .token)")
done
export BENCH_TOKENS
BENCH_TOKENS="$(IFS=,; echo "${tokens[*]}")"

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
