#!/usr/bin/env bash
# The service's per-request overhead, measured against baselines in one run:
#
#   [PIN=1] benches/overhead.sh [duration [part...]]   (default 10s; connections 8
#                                              and 64; parts: cached redis sql, default
#                                              all; PIN=1: a core per side, benches/lib.sh)
#
# 1. the cached, authenticated price lookup and /health against a bare poem
#    endpoint answering fixed JSON;
# 2. with the in-process cache off (cache.l1_ttl_ms = 0), the price lookup's Redis
#    path against a poem endpoint doing one Redis GET;
# 3. with no Redis either, the database path against a poem endpoint doing one
#    row-level-security transaction.
# Each pair runs back to back at the same concurrency; the ratio is what counts
# (run-to-run noise on this VM is about ±15 % in absolute figures). Results go in
# docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-10s}"
PARTS="${*:2}"
PARTS="${PARTS:-cached redis sql}"
ROUNDS="${ROUNDS:-3}"
PORT=8077
BASE_PORT=8078
TENANTS=8
DB=vt_bench

source "$ROOT/benches/lib.sh"
start_bench_server

cargo bench --quiet --no-run --bench baseline 2>/dev/null
baseline_bin="$(ls -t target/release/deps/baseline-* | grep -v '\.d$' | head -n 1)"
tenant="$(psql_super -d "$DB" -Atqc "SELECT id FROM tenants WHERE slug = 'bench-1'")"
redis_key="${DB}_baseline_$$"
for code in VID-CLARO-4 VID-CLARO-6 VID-BRONCE-4 VID-BRONCE-6 VID-REFLECTIVO-6 VID-LAMINADO-6 VID-TEMPLADO-6; do
  redis-cli -p "$REDIS_PORT" SET "$redis_key:$code" \
    "{\"code\":\"$code\",\"name\":\"Vidrio\",\"price\":\"85.00\",\"source\":\"tenant\"}" >/dev/null
done
BASELINE_DATABASE_URL="postgres://ventanas_app:$APP_PASSWORD@127.0.0.1:5432/$DB" \
  BASELINE_TENANT="$tenant" BASELINE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
  BASELINE_REDIS_KEY="$redis_key" "${SERVER_PIN[@]}" "$baseline_bin" --serve "127.0.0.1:$BASE_PORT" 2>/dev/null &
baseline=$!
trap 'kill $baseline $server 2>/dev/null; redis-cli -p "$REDIS_PORT" --scan --pattern "$redis_key:*" | xargs -r redis-cli -p "$REDIS_PORT" DEL >/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$BASE_PORT/bare" >/dev/null && break; sleep 0.1; done

# Requests per second of one wrk run: rps URL CONNECTIONS [SCRIPT [ENV]]
rps() {
  local url="$1" conns="$2" script="${3:-}" args=()
  [ -n "$script" ] && args=(-s "$script")
  "${CLIENT_PIN[@]}" wrk -t1 -c"$conns" -d3s "${args[@]}" "$url" >/dev/null
  "${CLIENT_PIN[@]}" wrk -t1 -c"$conns" -d"$DURATION" "${args[@]}" "$url" | awk '/^Requests\/sec/ {print $2}'
}

# Restarts the service with extra environment (cache settings).
restart() {
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
  env "$@" "${SERVER_PIN[@]}" "$bin" serve >"/tmp/$DB.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  BENCH_TOKENS="$(login_all)"
  export BENCH_TOKENS
}

login_all() {
  local tokens=() slug
  for i in $(seq 1 "$TENANTS"); do
    slug="bench-$i"
    tokens+=("$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
      -d "{\"tenant\":\"$slug\",\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}" | jq -r .token)")
  done
  (IFS=,; echo "${tokens[*]}")
}

row() { # label connections service-rps baseline-rps
  awk -v l="$1" -v c="$2" -v s="$3" -v b="$4" 'BEGIN { printf "| %-44s | %3d | %9.0f | %9.0f | %5.2f |\n", l, c, s, b, s / b }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# pair LABEL CONNS SERVICE_URL SERVICE_SCRIPT BASELINE: ROUNDS alternating runs of
# each (drift on the machine then hits both alike), medians. BASELINE is /bare,
# /redis or /sql, asked through benches/baseline.lua (bearer token, rotating codes
# and a status check per answer: the client work of the service's side), or with
# a plain GET when the service's side has no script.
pair() {
  local label="$1" c="$2" url="$3" script="$4" base="$5" s=() b=()
  for _ in $(seq 1 "$ROUNDS"); do
    if [ -z "$script" ]; then # a plain GET on both sides (/health against /bare)
      b+=("$(rps "http://127.0.0.1:$BASE_PORT$base" "$c")")
    else
      b+=("$(BASELINE_PATH="$base" rps "http://127.0.0.1:$BASE_PORT" "$c" benches/baseline.lua)")
    fi
    s+=("$(rps "$url" "$c" "$script")")
  done
  row "$label" "$c" "$(median "${s[@]}")" "$(median "${b[@]}")"
}

echo "== $(nproc) cores${SERVER_PIN:+ (pinned: servers on CPU 0, wrk on CPU 1)}, wrk -t1, $DURATION per run, median of $ROUNDS alternating rounds"
echo "| path | conns | service req/s | baseline req/s | ratio |"
echo "|---|---|---|---|---|"
service="http://127.0.0.1:$PORT"
wants() { [[ " $PARTS " == *" $1 "* ]]; }
if wants cached; then
  for c in 8 64; do
    pair "/health vs bare poem" "$c" "$service/health" "" /bare
    pair "cached price vs bare poem" "$c" "$service" benches/prices.lua /bare
  done
fi
if wants redis; then
  restart VENTANAS__CACHE__L1_TTL_MS=0
  for c in 8 64; do
    pair "price, L1 off (Redis) vs poem + Redis GET" "$c" "$service" benches/prices.lua /redis
  done
fi
if wants sql; then
  restart VENTANAS__CACHE__L1_TTL_MS=0 VENTANAS__REDIS__URL=
  for c in 8 64; do
    pair "price, no cache (PostgreSQL) vs poem + RLS tx" "$c" "$service" benches/prices.lua /sql
  done
fi
