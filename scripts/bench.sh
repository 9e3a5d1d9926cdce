#!/usr/bin/env bash
# Benchmarks (figures, not pass/fail tests): bundle size, cold load in Chromium, demo store.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --browser
bash scripts/build.sh >/dev/null

printf '\n== bundle (dist/, release)\n'
printf '%-10s %12s %12s\n' file raw gzip-9
total_raw=0; total_gz=0
for ext in wasm js css; do
  f=$(ls dist/*."$ext" | grep -v 404 | head -n1)
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-10s %12d %12d\n' "$ext" "$raw" "$gz"
done
printf '%-10s %12d %12d\n' total "$total_raw" "$total_gz"

printf '\n== cold load (headless Chromium, loopback, demo proxy)\n'
cargo run --quiet --release -p e2e --example first_table

printf '\n== demo store (100,000 events)\n'
cargo run --quiet --release -p audit-proxy --example demo_query_bench
