#!/usr/bin/env bash
# Lighthouse on the release build as a person first meets it: dist/ served by nginx as a plain
# gzip static host, Debian's Chromium headless. Prints, for the mobile and desktop presets, the
# median of RUNS runs: performance, accessibility and best-practices scores, LCP, and bytes
# transferred. Used by scripts/bench.sh; needs dist/ (bash scripts/build.sh).
#   bash scripts/lighthouse.sh [RUNS]        (LIGHTHOUSE_KEEP=DIR keeps the reports in DIR)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
runs="${1:-3}"
if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" lighthouse@12
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is missing (Debian's nginx-light; scripts/bench.sh installs it)" >&2; exit 1; }
[ -s dist/index.html ] || { echo "no dist/: run bash scripts/build.sh first" >&2; exit 1; }
work="${LIGHTHOUSE_KEEP:-$(mktemp -d)}"
host=""
cleanup() { [ -z "$host" ] || kill "$host" 2>/dev/null || true; [ -n "${LIGHTHOUSE_KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
port=9795
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/body;
  types {
    text/html html; application/javascript js; text/css css; application/wasm wasm;
    application/json json; image/svg+xml svg; image/png png; image/x-icon ico;
  }
  gzip on;
  gzip_comp_level 6;
  gzip_types application/javascript text/css application/wasm application/json image/svg+xml;
  server {
    listen 127.0.0.1:$port;
    root $ROOT/dist;
    location / { try_files \$uri /index.html; }
  }
}
CONF
"$NGINX" -p "$work" -c "$work/nginx.conf" -e stderr 2>"$work/error.log" &
host=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
--disable-background-networking --disable-component-update --disable-sync --disable-quic"
for preset in mobile desktop; do
  for i in $(seq 1 "$runs"); do
    extra=()
    [ "$preset" = desktop ] && extra=(--preset=desktop)
    CHROME_PATH=/usr/bin/chromium timeout 180 "$TOOLS/node_modules/.bin/lighthouse" \
      "http://127.0.0.1:$port/" "${extra[@]}" --quiet --output=json \
      --output-path="$work/$preset-$i.json" \
      --only-categories=performance,accessibility,best-practices \
      --chrome-flags="$flags" >/dev/null 2>"$work/$preset-$i.log" \
      || { tail -5 "$work/$preset-$i.log" >&2; exit 1; }
  done
  python3 - "$preset" "$work"/"$preset"-*.json <<'PY'
import json, statistics, sys
preset, files = sys.argv[1], sys.argv[2:]
reports = [json.load(open(f)) for f in files]
def med(f):
    return statistics.median(f(r) for r in reports)
score = lambda c: med(lambda r: round(100 * (r["categories"][c]["score"] or 0)))
lcp = med(lambda r: r["audits"]["largest-contentful-paint"]["numericValue"])
kib = med(lambda r: r["audits"]["total-byte-weight"]["numericValue"]) / 1024
print(f"{preset}: performance {score('performance'):.0f} accessibility {score('accessibility'):.0f} "
      f"best-practices {score('best-practices'):.0f} lcp-ms {lcp:.0f} transferred-kib {kib:.0f} (median of {len(reports)})")
# What cost points outside performance, so a drop says why.
for cat in ("accessibility", "best-practices"):
    refs = reports[0]["categories"][cat]["auditRefs"]
    for ref in refs:
        a = reports[0]["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
            print(f"  {cat}: {a['id']}: {a['title']}")
            for item in (a.get("details") or {}).get("items", [])[:3]:
                node = item.get("node") or {}
                print(f"    {node.get('snippet', '')[:120]}")
PY
done
