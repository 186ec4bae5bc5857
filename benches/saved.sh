#!/usr/bin/env bash
# Saved-quote benchmark: saving a 10-window draft (POST /api/v1/quotes: pricing, a
# quote number, the version and history rows) and rendering a 10-window quote's PDF
# (GET /api/v1/quotes/{id}/pdf, with a logo). One tenant, one connection, so the
# figures are per-request time; wrk's latency includes loopback and the client.
#
#   benches/saved.sh [duration]      (default: 10s)
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

DURATION="${1:-10s}"
PORT=8078
DB=vt_bench_saved
TENANTS=1
source "$ROOT/benches/lib.sh"
start_bench_server

base="http://127.0.0.1:$PORT/api/v1"
auth=(-H "Authorization: Bearer $BENCH_TOKENS" -H 'Content-Type: application/json')
client="$(curl -fs "$base/clients" "${auth[@]}" -d '{"name":"Cliente de prueba","rfc":"AAA010101AAA"}' | jq -r .id)"
items="$(for i in $(seq 0 9); do
  printf '{"product":"VEN-CORR-NAC3","width_cm":"%d","height_cm":"%d","quantity":%d,"glass":"VID-CLARO-6","colour":"BLA"}\n' \
    $((80 + i * 10)) $((60 + i * 10)) $((1 + i % 3))
done | paste -sd,)"
body="{\"client_id\":\"$client\",\"title\":\"Obra de prueba\",\"items\":[$items]}"
quote="$(curl -fs "$base/quotes" "${auth[@]}" -d "$body" | jq -r .id)"
# A 200 × 80 logo, so the PDF embeds an image.
python3 - >/tmp/bench-logo.png <<'PY'
import struct, sys, zlib
w, h = 200, 80
row = bytes(c for x in range(w) for c in (x * 255 // w, 80, 160))
raw = b"".join(b"\x00" + row for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
curl -fs -X PUT "$base/settings/company/logo" -H "Authorization: Bearer $BENCH_TOKENS" \
  -H 'Content-Type: image/png' --data-binary @/tmp/bench-logo.png >/dev/null

run() {
  echo "== $1"
  BENCH_METHOD="$2" BENCH_PATH="$3" BENCH_BODY="${4:-}" \
    wrk -t1 -c1 -d3s -s benches/request.lua "http://127.0.0.1:$PORT" >/dev/null
  BENCH_METHOD="$2" BENCH_PATH="$3" BENCH_BODY="${4:-}" \
    wrk -t1 -c1 -d"$DURATION" --latency -s benches/request.lua "http://127.0.0.1:$PORT" |
    grep -E '50%|90%|99%|Requests/sec|Non-2xx'
}
echo "== $(nproc) cores; wrk -t1 -c1 -d$DURATION"
run "POST /api/v1/quotes (save a 10-window draft)" POST /api/v1/quotes "$body"
run "GET /api/v1/quotes/{id}/pdf (10 windows, logo)" GET "/api/v1/quotes/$quote/pdf"
