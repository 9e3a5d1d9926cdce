#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the query parser, the search-box filter, the
# JSON Lines loader and the proxy's request classification. Runs each target for SECONDS
# (default 60) from the committed seed corpus and prints executions and crashes.
# Usage: bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT/fuzz"
secs="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# cargo-fuzz passes nightly-only flags; the machine has only the stable toolchain, whose
# compiler accepts them when bootstrapping is allowed.
export RUSTC_BOOTSTRAP=1
status=0
for target in query jsonl classify filter; do
  work="target/corpus-run/$target"
  mkdir -p "$work" "artifacts/$target"
  log="target/fuzz-$target.log"
  if cargo fuzz run "$target" "$work" "corpus/$target" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED; status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
  crashes=$(find "artifacts/$target" -type f | wc -l)
  printf '%-9s %-7s executions: %-10s crashes: %s\n' "$target" "$result" "${runs:-?}" "$crashes"
  [ "$result" = ok ] || tail -n 30 "$log"
done
exit $status
