#!/usr/bin/env bash
# Price lookups with no cache in front (cache.l1_ttl_ms = 0, no Redis: every request
# is a row-level-security transaction in PostgreSQL), straight to PostgreSQL against
# through a PgBouncer 1.25.2 in transaction pooling on loopback:
#
#   benches/pgbouncer.sh [duration]   (default 10s; connections 8 and 64)
#
# The pooler gets as many server connections as the server's runtime pool has
# (database.max_connections, 16), so only the extra hop differs. Each pair runs back
# to back at the same concurrency, ROUNDS alternating rounds, medians; the ratio
# (pooled / direct) is what counts. Results go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-10s}"
ROUNDS="${ROUNDS:-3}"
PORT=8079
BOUNCER_PORT=6479
TENANTS=8
DB=vt_bench_pgbouncer

ensure_pgbouncer
source "$ROOT/benches/lib.sh"
start_bench_server

# The pooler: its own folder (readable by `nobody`, whom it becomes when started as
# root), no start-up parameter ignored, the server's two roles in its auth file.
bouncer_dir="$(mktemp -d)"
chmod 755 "$bouncer_dir"
printf '"ventanas_app" "%s"\n"ventanas_platform" "%s"\n' "$APP_PASSWORD" "$PLATFORM_PASSWORD" >"$bouncer_dir/users.txt"
cat >"$bouncer_dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PGPORT_NUM
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $bouncer_dir/users.txt
pool_mode = transaction
default_pool_size = 16
max_client_conn = 200
max_prepared_statements = 200
$([ "$(id -u)" -eq 0 ] && echo "user = nobody")
INI
"$PGBOUNCER_BIN" "$bouncer_dir/pgbouncer.ini" 2>"$bouncer_dir/pgbouncer.log" &
bouncer=$!
trap 'kill $server $bouncer 2>/dev/null; wait $server 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir" "$bouncer_dir"' EXIT
for _ in $(seq 1 100); do port_open "$BOUNCER_PORT" && break; sleep 0.1; done

DIRECT_URL="$VENTANAS__DATABASE__URL"
DIRECT_PLATFORM_URL="$VENTANAS__DATABASE__PLATFORM_URL"
POOLED_URL="${DIRECT_URL/:$PGPORT_NUM\//:$BOUNCER_PORT/}"
POOLED_PLATFORM_URL="${DIRECT_PLATFORM_URL/:$PGPORT_NUM\//:$BOUNCER_PORT/}"

# Requests per second of one wrk run (after a 3 s warm-up): rps CONNECTIONS
rps() {
  wrk -t1 -c"$1" -d3s -s benches/prices.lua "http://127.0.0.1:$PORT" >/dev/null
  wrk -t1 -c"$1" -d"$DURATION" -s benches/prices.lua "http://127.0.0.1:$PORT" | awk '/^Requests\/sec/ {print $2}'
}

# Restarts the service, uncached, on the given runtime and platform URLs.
restart() {
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
  VENTANAS__CACHE__L1_TTL_MS=0 VENTANAS__REDIS__URL= VENTANAS__DATABASE__URL="$1" \
    VENTANAS__DATABASE__PLATFORM_URL="$2" "$bin" serve >"/tmp/$DB.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  local tokens=() slug
  for i in $(seq 1 "$TENANTS"); do
    slug="bench-$i"
    tokens+=("$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
      -d "{\"tenant\":\"$slug\",\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}" | jq -r .token)")
  done
  BENCH_TOKENS="$(IFS=,; echo "${tokens[*]}")"
  export BENCH_TOKENS
  # A wrong answer would make the figures meaningless: check one first.
  curl -fs "http://127.0.0.1:$PORT/api/v1/prices/VID-CLARO-4" -H "Authorization: Bearer ${tokens[0]}" |
    jq -e '.price == "85.00"' >/dev/null
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== $(nproc) cores, wrk -t1, $DURATION per run, median of $ROUNDS alternating rounds"
echo "| price, no cache | conns | direct req/s | PgBouncer req/s | ratio |"
echo "|---|---|---|---|---|"
for c in 8 64; do
  direct=() pooled=()
  for _ in $(seq 1 "$ROUNDS"); do
    restart "$DIRECT_URL" "$DIRECT_PLATFORM_URL"
    direct+=("$(rps "$c")")
    restart "$POOLED_URL" "$POOLED_PLATFORM_URL"
    pooled+=("$(rps "$c")")
  done
  awk -v c="$c" -v d="$(median "${direct[@]}")" -v p="$(median "${pooled[@]}")" \
    'BEGIN { printf "| direct vs PgBouncer (transaction) | %3d | %9.0f | %9.0f | %5.2f |\n", c, d, p, p / d }'
done
