#!/usr/bin/env bash
# Load test (figures, not part of CI): wrk drives audit-proxy in front of a fake upstream on
# loopback with 1,000 concurrent connections for 30 seconds, then prints requests, errors and the
# proxy's peak resident memory. Usage: bash scripts/load.sh [CONNECTIONS] [SECONDS]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
conns="${1:-1000}"
secs="${2:-30}"
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
ulimit -n 65536 2>/dev/null || ulimit -n 8192 || true
cargo build --quiet --release -p audit-proxy --bin audit-proxy --example fake_upstream
up_port=9797; px_port=9798
./target/release/examples/fake_upstream "127.0.0.1:$up_port" >/dev/null &
up=$!
# Every connection comes from one address here, so the per-client caps are raised past the load
# (the limiter still runs on every request): this measures capacity, the hostile-client suite
# measures the limits.
RUST_LOG=warn ./target/release/audit-proxy --listen "127.0.0.1:$px_port" --upstream "http://127.0.0.1:$up_port" \
  --max-connections 8192 --max-connections-per-client 4096 --rate-per-client 1000000 --rate-burst 1000000 \
  --upstream-per-client 16 >/dev/null 2>&1 &
px=$!
trap 'kill $up $px 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$px_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

printf '== wrk: %s connections, %s s, through audit-proxy to a fake upstream (loopback)\n' "$conns" "$secs"
out=$(timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s --latency \
  -H 'Authorization: Basic a2V5OnNlY3JldA==' "http://127.0.0.1:$px_port/beta/audit/events?size=30")
echo "$out"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$px/status")
alive=$(kill -0 "$px" 2>/dev/null && echo yes || echo NO)
errors=$(echo "$out" | awk '/Socket errors/ { gsub(/,/, ""); s = $4 + $6 + $8 + $10 } /Non-2xx/ { n = $4 } END { print s + n + 0 }')
requests=$(echo "$out" | awk '/requests in/ { print $1 }')
printf '\n== result\nrequests: %s  errors (socket + non-2xx): %s  proxy alive: %s  proxy peak RSS: %.1f MB\n' \
  "$requests" "$errors" "$alive" "$(echo "$peak_kb / 1024" | bc -l)"
[ "$errors" -eq 0 ] && [ "$alive" = yes ]
