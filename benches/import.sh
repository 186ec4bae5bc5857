#!/usr/bin/env bash
# CSV import and export at scale, against a release server:
#
#   benches/import.sh [rows]     (default 50000)
#
# One tenant; a generated file of ROWS new consumables. Times (curl's total, so
# upload and answer included): a dry run, the import that creates them all, the
# same file again (every row unchanged), a file moving every price (every row
# updated, one batch), the export, and the revert of that batch. The server's
# peak resident memory (VmHWM) is read before and after, to show what an import
# costs in memory. Results go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

ROWS="${1:-50000}"
PORT=8079
TENANTS=1
DB=vt_bench_import

source "$ROOT/benches/lib.sh"
start_bench_server
token="${BENCH_TOKENS%%,*}"
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql_super -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; rm -rf "$seed_dir" "$work"' EXIT

awk -v n="$ROWS" 'BEGIN {
  print "code,name,category,unit,price,currency,bar_length_m,active,source"
  for (i = 1; i <= n; i++) printf "CON-B%06d,Consumible de prueba %d,consumable,piece,%d.%02d,MXN,,true,tenant\n", i, i, 1 + i % 500, i % 100
}' >"$work/create.csv"
awk -F, 'NR == 1 { print; next } { split($5, p, "."); $5 = (p[1] + 1) "." p[2]; print }' OFS=, "$work/create.csv" >"$work/update.csv"

hwm() { awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status"; }
# timed LABEL curl-args...: prints the label, the seconds and the HTTP status.
timed() {
  local label="$1"; shift
  local out
  out="$(curl -s -o "$work/answer" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$@")"
  printf '| %-44s | %6.2f s | %s | %s |\n' "$label" "${out#* }" "${out% *}" "$(hwm)"
}
import() { # LABEL FILE DRY_RUN
  timed "$1" -X POST -H 'Content-Type: text/csv' --data-binary "@$2" \
    "http://127.0.0.1:$PORT/api/v1/materials/import?dry_run=$3"
}

echo "rows: $ROWS; file: $(du -h "$work/create.csv" | cut -f1); peak memory at start: $(hwm)"
echo "| step                                         | time     | status | peak memory since start |"
echo "|----------------------------------------------|----------|--------|-------------------------|"
import "dry run ($ROWS new materials)" "$work/create.csv" true
import "import: create $ROWS" "$work/create.csv" false
import "same file again: $ROWS unchanged" "$work/create.csv" false
import "every price moved: $ROWS updated, 1 batch" "$work/update.csv" false
batch="$(jq -r .batch_id "$work/answer")"
timed "export ($((ROWS + 25)) rows)" "http://127.0.0.1:$PORT/api/v1/materials/export"
timed "revert the $ROWS-price batch" -X POST "http://127.0.0.1:$PORT/api/v1/price-updates/$batch/revert"
