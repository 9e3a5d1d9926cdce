#!/usr/bin/env bash
# Runs the product on the built-in demo account: audit-proxy --demo on 127.0.0.1:8787 and
# trunk serve on http://127.0.0.1:8080. Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh

cargo build --release -p audit-proxy
./target/release/audit-proxy --demo &
proxy=$!
trap 'kill "$proxy" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:8787/healthz >/dev/null 2>&1 && break
  sleep 0.1
done

cat <<MSG

  Audit Events Viewer (demo account) — open http://127.0.0.1:8080/
  Sign in with "Try the demo" (key demo, secret demo). Ctrl-C stops it.
  The proxy alone: curl -u demo:demo http://127.0.0.1:8787/beta/audit/events

MSG
trunk serve --release
