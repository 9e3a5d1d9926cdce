#!/usr/bin/env bash
# Runs the product on the built-in demo account: audit-proxy --demo on 127.0.0.1:8787 and
# trunk serve (with live reload) on http://127.0.0.1:8080. Ctrl-C, SIGTERM or SIGINT stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh

cargo build --release -p audit-proxy
target_dir="$(cargo_target_dir)"
"$target_dir/release/audit-proxy" --demo &
proxy=$!
web=""
stop() {
  # A second signal while stopping (a supervisor's, after the terminal's) must not cut the
  # clean-up short: the cluster would be left running.
  trap '' INT TERM
  trap - EXIT
  [ -n "$web" ] && kill "$web" 2>/dev/null
  kill "$proxy" 2>/dev/null
  wait 2>/dev/null
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:8787/healthz >/dev/null 2>&1 && break
  kill -0 "$proxy" 2>/dev/null || { echo "audit-proxy did not start (is port 8787 taken?)" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

  Audit Events Viewer (demo account) — open http://127.0.0.1:8080/ once trunk says it is serving.
  Sign in with "Try the demo". Edits under src/ or style/ rebuild and reload the page.
  The proxy alone: curl -u demo:demo http://127.0.0.1:8787/beta/audit/events
  Ctrl-C stops both.

MSG
# In the background and waited for, so that a signal reaches the trap at once and stops both.
trunk serve --release &
web=$!
wait "$web"
