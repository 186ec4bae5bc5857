#!/usr/bin/env bash
# The cached price lookup over HTTP with many tenants against few, in one run:
#
#   benches/scale.sh [tenants] [duration]     (default 10000 tenants, 5s per run)
#
# A release server with 16 tenants onboarded through the API, then TENANTS more
# created directly in the database (tenant, admin, membership and a session each;
# their prices fall back to the default catalogue). After a warm-up that reads every
# (tenant, code) pair once, so every price and session is in the in-process cache,
# the authenticated `GET /api/v1/prices/{code}` rotates over 16 tenants × 25 codes and
# over all tenants × 25 codes, alternately, ROUNDS times; the medians are compared.
# Results go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

MANY="${1:-10000}"
DURATION="${2:-5s}"
ROUNDS="${ROUNDS:-3}"
PORT=8077
TENANTS=16
DB=vt_scale

source "$ROOT/benches/lib.sh"
start_bench_server
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir" "$work"' EXIT

# The superuser bypasses row-level security: this is seeding, not the service.
psql_super -d "$DB" -q <<SQL
INSERT INTO tenants (id, slug, name)
  SELECT gen_random_uuid(), 'scale-' || i, 'Scale ' || i FROM generate_series(1, $MANY) i;
INSERT INTO users (tenant_id, id, email, password_hash)
  SELECT id, gen_random_uuid(), 'admin@' || slug || '.test', 'not-a-hash'
    FROM tenants WHERE slug LIKE 'scale-%';
INSERT INTO memberships (tenant_id, user_id, role)
  SELECT tenant_id, id, 'admin' FROM users WHERE email LIKE 'admin@scale-%';
CREATE TABLE scale_tokens AS
  SELECT tenant_id, id AS user_id,
         'vts.' || replace(tenant_id::text, '-', '') || '.' || md5(random()::text) || md5(random()::text) AS token
    FROM users WHERE email LIKE 'admin@scale-%';
INSERT INTO sessions (tenant_id, id, user_id, token_hash, expires_at)
  SELECT tenant_id, gen_random_uuid(), user_id, sha256(convert_to(token, 'UTF8')), now() + interval '1 day'
    FROM scale_tokens;
SQL
psql_super -d "$DB" -Atqc "SELECT token FROM scale_tokens" >"$work/many"
tr ',' '\n' <<<"$BENCH_TOKENS" >"$work/few"

# Room for every entry: 250,000 prices and 10,000 sessions of a few hundred bytes.
kill "$server"; wait "$server" 2>/dev/null
VENTANAS__CACHE__L1_MAX_BYTES=$((1 << 30)) VENTANAS__CACHE__L1_TTL_MS=600000 \
  VENTANAS__CACHE__L2_TTL_SECONDS=600 "$bin" serve >"/tmp/$DB.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

rps() { # tokens-file duration
  BENCH_TOKENS_FILE="$1" wrk -t1 -c8 -d"$2" -s benches/prices.lua "http://127.0.0.1:$PORT" |
    awk '/^Requests\/sec/ {print $2}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== warming $((MANY * 25)) prices and $MANY sessions"
# wrk's rotation walks the tenants first, then the codes: one pass of every pair
# takes MANY × 25 requests; a generous fixed warm-up covers it at a few k req/s.
rps "$work/many" "$(( (MANY * 25) / 2000 + 10 ))s" >/dev/null
rps "$work/few" 3s >/dev/null
few=() many=()
for _ in $(seq 1 "$ROUNDS"); do
  few+=("$(rps "$work/few" "$DURATION")")
  many+=("$(rps "$work/many" "$DURATION")")
done
f="$(median "${few[@]}")" m="$(median "${many[@]}")"
echo "| tenants | req/s (median of $ROUNDS × $DURATION, 8 connections) |"
echo "|---|---|"
echo "| 16 | $f |"
echo "| $MANY | $m |"
awk -v f="$f" -v m="$m" 'BEGIN { printf "ratio %.2f\n", m / f }'
echo "cache counters:"; curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^ventanas_cache_(hits|misses)' || true
