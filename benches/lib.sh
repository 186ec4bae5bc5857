# Shared by the benchmark scripts: a release server on 127.0.0.1:$PORT against a
# scratch database ($DB) and Redis prefix, TENANTS tenants onboarded through the
# platform API, their admins' tokens in BENCH_TOKENS (comma-separated). Everything
# is removed on exit. Needs PORT, DB and TENANTS set, and deploy/local/lib.sh sourced.
#
# PIN=1 gives each side a core of its own (the servers on CPU 0, wrk on CPU 1, by
# `taskset`): on a shared two-core VM the throughput then holds still between runs,
# and a ratio compares the servers' own CPU cost per request. A server pinned to one
# core runs one tokio worker (tokio sizes its pool by the affinity mask).
# shellcheck shell=bash

SERVER_PIN=()
CLIENT_PIN=()
if [ "${PIN:-0}" = 1 ]; then
  SERVER_PIN=(taskset -c 0)
  CLIENT_PIN=(taskset -c 1)
fi

start_bench_server() {
  command -v wrk >/dev/null || apt_install wrk
  command -v jq >/dev/null || apt_install jq
  ensure_postgres
  ensure_redis
  ensure_roles
  psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  psql_super -qc "CREATE DATABASE $DB OWNER ventanas_owner"

  # VENTANAS_BIN: a server binary built elsewhere (e.g. an earlier commit's, to
  # compare two builds with the same script); else this checkout's release build.
  if [ -n "${VENTANAS_BIN:-}" ]; then
    bin="$VENTANAS_BIN"
  else
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/ventanas"
  fi
  export VENTANAS_ENV=local
  export VENTANAS__DATABASE__URL="postgres://ventanas_app:$APP_PASSWORD@127.0.0.1:5432/$DB"
  export VENTANAS__DATABASE__PLATFORM_URL="postgres://ventanas_platform:$PLATFORM_PASSWORD@127.0.0.1:5432/$DB"
  export VENTANAS__DATABASE__OWNER_URL="postgres://ventanas_owner:$OWNER_PASSWORD@127.0.0.1:5432/$DB"
  export VENTANAS__REDIS__KEY_PREFIX="${DB}_$$"
  export VENTANAS__SERVER__PORT=$PORT
  export VENTANAS__TELEMETRY__FILTER=warn

  seed_dir="$(mktemp -d)"
  cp tenants/global.toml "$seed_dir/"
  "$bin" migrate >/dev/null
  "$bin" tenants sync --dir "$seed_dir" >/dev/null
  local key
  key="$("$bin" platform-key create --name bench 2>/dev/null)"

  "${SERVER_PIN[@]}" "$bin" serve >"/tmp/$DB.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir"' EXIT
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

  local tokens=() slug
  for i in $(seq 1 "$TENANTS"); do
    slug="bench-$i"
    curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/platform/tenants" \
      -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d "{\"slug\":\"$slug\",\"name\":\"Bench $i\",\"admin\":{\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}}" >/dev/null
    tokens+=("$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
      -d "{\"tenant\":\"$slug\",\"email\":\"admin@$slug.test\",\"password\":\"bench-password-$i\"}" | jq -r .token)")
  done
  BENCH_TOKENS="$(IFS=,; echo "${tokens[*]}")"
  export BENCH_TOKENS
}
