#!/usr/bin/env bash
# Lighthouse scores of the web app's pages (accessibility, best practices,
# performance), with Debian's Chromium, signed in as an admin where the page needs it.
#
#   benches/lighthouse.sh            (issue #10's bar: accessibility and best practices >= 95)
#
# Lighthouse comes from npm into target/lighthouse (pinned below); Chromium from
# Debian (ensure_chromium). A release server on 127.0.0.1:8077 against a scratch
# database, as the other benchmarks. Reports in target/lighthouse/*.json; the scores
# go in docs/benchmarks.md.
source "$(dirname "$0")/../deploy/local/lib.sh"
cd "$ROOT"

LIGHTHOUSE_VERSION=12.8.2
PORT=8077
TENANTS=1
DB=vt_bench
dir="$ROOT/target/lighthouse"

ensure_chromium
if ! "$dir/node_modules/.bin/lighthouse" --version 2>/dev/null | grep -qF "$LIGHTHOUSE_VERSION"; then
  command -v npm >/dev/null || apt_install npm
  mkdir -p "$dir"
  (cd "$dir" && npm install --silent --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION")
fi

source "$ROOT/benches/lib.sh"
start_bench_server
token="${BENCH_TOKENS%%,*}"

echo "| page | accessibility | best practices | performance |"
echo "|---|---|---|---|"
for page in /entrar /catalogo /catalogo/VID-CLARO-4/historial /precios /precios/historial /clientes /clientes/nuevo /cotizar /cotizaciones; do
  name="$(echo "$page" | tr -c 'a-z0-9\n' '-' | sed 's/^-//; s/-$//')"
  headers='{}'
  [ "$page" != /entrar ] && headers="{\"Cookie\": \"__Host-ventanas_session=$token\"}"
  CHROME_PATH="$(command -v chromium)" "$dir/node_modules/.bin/lighthouse" "http://127.0.0.1:$PORT$page" \
    --quiet --chrome-flags="--headless=new --no-sandbox --disable-dev-shm-usage" \
    --only-categories=accessibility,best-practices,performance \
    --extra-headers="$headers" --output=json --output-path="$dir/$name.json" >/dev/null 2>&1 ||
    { echo "lighthouse failed on $page" >&2; exit 1; }
  jq -r --arg page "$page" \
    '"| `\($page)` | \(.categories.accessibility.score * 100 | round) | \(.categories["best-practices"].score * 100 | round) | \(.categories.performance.score * 100 | round) |"' \
    "$dir/$name.json"
done
