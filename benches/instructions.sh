#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind: the cached,
# authenticated price lookup and /health against the bare poem endpoint of
# benches/baseline.rs, as benches/overhead.sh pairs them.
#
#   [KEEP=DIR] benches/instructions.sh [requests]   (default 5000 per path, 8
#                                                   connections; KEEP: keep the profiles
#                                                   for callgrind_annotate)
#
# On a quiet machine an instruction count repeats far better than requests per second
# (two runs of one build: within 8 %), so it shows where the service's own work goes
# (overhead.sh gives the ratio that includes the kernel's share, which callgrind does
# not see). It is not immune to load: with a build beside it, the same bare endpoint
# counted twice as many instructions per request (the runtime's idle and wake-up loops
# run differently when requests arrive in other batches), so compare runs made alike. Each server runs
# under `valgrind --tool=callgrind` with collection off until the measured requests
# (a warm-up fills the caches first). Results go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

REQUESTS="${1:-5000}"
PORT=8077
BASE_PORT=8078
TENANTS=8
DB=vt_instr
command -v valgrind >/dev/null || apt_install valgrind

source "$ROOT/benches/lib.sh"
start_bench_server # onboards and logs in at full speed (argon2 under valgrind would crawl)
cargo bench --quiet --no-run --bench baseline 2>/dev/null
baseline_bin="$(ls -t target/release/deps/baseline-* | grep -v '\.d$' | head -n 1)"
out="${KEEP:-$(mktemp -d)}" # KEEP=DIR keeps the callgrind files there
mkdir -p "$out"
trap 'kill $server $baseline 2>/dev/null; wait $server $baseline 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir"; [ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT

# Sends N requests over 8 connections: the service's price lookups (benches/prices.lua's
# rotation), or a plain GET of a path.
send() { # URL SCRIPT|"" N
  python3 - "$@" <<'EOF'
import http.client, os, sys, threading
url, script, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = url.split("//")[1].split(":")
codes = ["PER-NAC3-RS", "PER-NAC3-JA", "PER-NAC3-ZO", "PER-NAC3-TR", "PER-S35-CM", "PER-S35-MM",
  "PER-NAC3-FE", "PER-NAC3-JF", "VID-CLARO-4", "VID-CLARO-6", "VID-BRONCE-4", "VID-BRONCE-6",
  "VID-REFLECTIVO-6", "VID-LAMINADO-6", "VID-TEMPLADO-6", "HER-ROD-3", "HER-BRA-10",
  "HER-CRE-S35", "HER-CER-MP", "HER-BIS-REF", "CON-FEL-NEG", "CON-SIL-NEU", "CON-PIJ-8x1",
  "CON-CUN-HUL", "CON-TOR-AUTO"]
tokens = os.environ["BENCH_TOKENS"].split(",")
def worker(k):
    conn = http.client.HTTPConnection(host, int(port))
    for i in range(k, n, 8):
        token = tokens[i % len(tokens)]
        if script == "prices":
            path, headers = "/api/v1/prices/" + codes[(i // len(tokens)) % len(codes)], {"Authorization": "Bearer " + token}
        else:
            path, headers = script, {"Authorization": "Bearer " + token}
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            sys.exit(f"unexpected status {answer.status} for {path}")
threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
EOF
}

# Instructions per request of the server on PORT (running under callgrind as PID)
# for N requests of SCRIPT: warm-up, zero the counters, send, dump, read the total.
measure() { # PID PORT SCRIPT
  local pid="$1" port="$2" script="$3" before total
  send "http://127.0.0.1:$port" "$script" 2000
  callgrind_control -z "$pid" >/dev/null
  send "http://127.0.0.1:$port" "$script" "$REQUESTS"
  callgrind_control -d "$pid" >/dev/null
  total="$(ls -t "$out"/callgrind.out.* | head -n 1 | xargs callgrind_annotate 2>/dev/null |
    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')"
  echo $((total / REQUESTS))
}

wait_up() { for _ in $(seq 1 600); do curl -fs "$1" >/dev/null && return; sleep 0.2; done; }

kill "$server"; wait "$server" 2>/dev/null
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p" "$bin" serve >"/tmp/$DB.log" 2>&1 &
server=$!
wait_up "http://127.0.0.1:$PORT/health"
BASELINE_TENANT=unused valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p" \
  "$baseline_bin" --serve "127.0.0.1:$BASE_PORT" 2>/dev/null &
baseline=$!
wait_up "http://127.0.0.1:$BASE_PORT/bare"

bare="$(measure "$baseline" "$BASE_PORT" /bare/VID-CLARO-4)"
health="$(measure "$server" "$PORT" /health)"
price="$(measure "$server" "$PORT" prices)"
echo "== callgrind, $REQUESTS requests per path over 8 connections, user-space instructions per request"
echo "| path | instructions | against bare poem |"
echo "|---|---|---|"
for row in "bare poem (fixed JSON):$bare" "/health:$health" "cached price:$price"; do
  awk -v l="${row%%:*}" -v i="${row##*:}" -v b="$bare" 'BEGIN { printf "| %s | %d | %.2f× |\n", l, i, i / b }'
done
