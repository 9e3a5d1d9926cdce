#!/usr/bin/env bash
# The benchmark command: builds in release mode and prints every figure with its budget and a
# pass/fail mark. Comparisons are measured side by side in this one run. Loopback only.
#   bash scripts/bench.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --browser
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
if [ ! -x "$TOOLS/node_modules/.bin/lcp" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" local-cors-proxy@1.1.0
fi
ulimit -n 65536 2>/dev/null || ulimit -n 8192 || true

results=()
verdict() { # name value budget-text pass(0/1)
  local mark=PASS
  [ "$4" = 1 ] || mark=FAIL
  results+=("$(printf '%-34s %-28s %-22s %s' "$1" "$2" "$3" "$mark")")
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }

printf '\n== 1. bundle: the app and a hello-world Leptos CSR app, both release builds\n'
bash scripts/build.sh >/dev/null 2>&1
(cd crates/hello-world && trunk build --release >/dev/null 2>&1)
sizes() { # dir → "raw gzip" summed over wasm, js, css
  local raw=0 gz=0 f
  for f in "$1"/*.wasm "$1"/*.js "$1"/*.css; do
    [ -f "$f" ] || continue
    raw=$((raw + $(stat -c %s "$f"))); gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
  done
  echo "$raw $gz"
}
printf '%-24s %12s %12s\n' file raw gzip-9
for f in dist/*.wasm dist/*.js dist/*.css target/hello-dist/*.wasm target/hello-dist/*.js; do
  printf '%-24s %12d %12d\n' "$(basename "$(dirname "$f")")/$(basename "$f" | cut -c1-14)" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
read -r app_raw app_gz <<<"$(sizes dist)"
read -r hello_raw hello_gz <<<"$(sizes target/hello-dist)"
ratio=$(awk -v a="$app_gz" -v b="$hello_gz" 'BEGIN { printf "%.2f", a / b }')
printf 'total: app %d B raw / %d B gzip; hello-world %d B raw / %d B gzip; gzip ratio %s\n' \
  "$app_raw" "$app_gz" "$hello_raw" "$hello_gz" "$ratio"
verdict "bundle gzip vs hello-world" "${ratio}× ($app_gz B)" "≤ 1.5×" "$(le "$ratio" 1.5)"
# What the budget leaves for the app's features, against the app's own code alone: the same
# build without wasm-opt, which keeps the function names.
sed 's/data-bin="audit-viewer"/& data-keep-debug="true"/; s/data-wasm-opt="z"/data-wasm-opt="0"/' \
  index.html > index-named.html
trap 'rm -f "$ROOT/index-named.html"' EXIT
trunk build --release --dist target/named-dist index-named.html >/dev/null 2>&1
rm -f index-named.html
python3 scripts/bundle_breakdown.py target/named-dist/*.wasm
awk -v h="$hello_gz" 'BEGIN { printf "the budget leaves %d B gzip above the hello-world for everything the app adds\n", 0.5 * h }'

printf '\n== 2. cold load: navigation → 100 rows (headless Chromium, demo proxy)\n'
cold=$(cargo run --quiet --release -p e2e --example first_table -- 15 100)
echo "$cold"
cold_ms=$(echo "$cold" | sed -E 's/.*median ([0-9.]+) ms.*/\1/')
verdict "cold load to 100 rows (median)" "${cold_ms} ms" "≤ 250 ms" "$(le "$cold_ms" 250)"

printf '\n== 2b. local workspace: the first view at 150 ms per API answer (5,000 demo events)\n'
ws=$(cargo run --quiet --release -p e2e --example workspace_bench -- 5 150)
echo "$ws"
ws_fig() { echo "$ws" | grep -F "$1:" | head -1 | sed -E 's/.*median ([0-9.]+) .*/\1/'; }
ws_first=$(ws_fig "navigation → first table")
ws_drawn=$(ws_fig "navigation → timeline drawn")
ws_requests=$(ws_fig "API requests for the first view")
ws_security=$(ws_fig "security overview, click → findings")
ws_kept=$(ws_fig "kept copy: navigation → first table")
ws_kept_requests=$(ws_fig "kept copy: API requests for the first view")
verdict "first table at 150 ms latency" "${ws_first} ms" "≤ 300 ms" "$(le "$ws_first" 300)"
verdict "timeline drawn at 150 ms latency" "${ws_drawn} ms" "≤ 1 s" "$(le "$ws_drawn" 1000)"
verdict "API requests, first view" "${ws_requests}" "≤ 60" "$(le "$ws_requests" 60)"
verdict "security overview (copy complete)" "${ws_security} ms" "≤ 700 ms" "$(le "$ws_security" 700)"
verdict "first table, kept copy" "${ws_kept} ms" "≤ 250 ms (answer+100)" "$(le "$ws_kept" 250)"
verdict "API requests, kept copy revisit" "${ws_kept_requests}" "1" "$(le "$ws_kept_requests" 1)"

printf "\n== 3. page switch: response → rows on screen painted, all 100 rows in the DOM\n"
switch=$(cargo run --quiet --release -p e2e --example page_switch -- 60)
echo "$switch"
switch_ms=$(echo "$switch" | sed -nE 's/^page switch.*median ([0-9.]+) ms.*/\1/p')
verdict "page switch to painted (median)" "${switch_ms} ms" "≤ 16 ms" "$(le "$switch_ms" 16)"

printf '\n== 4. proxy overhead: wrk, 50 connections, 10 s each, same fake upstream\n'
cargo build --quiet --release -p audit-proxy --bin audit-proxy --example fake_upstream
./target/release/examples/fake_upstream 127.0.0.1:9797 >/dev/null &
up=$!
RUST_LOG=warn ./target/release/audit-proxy --listen 127.0.0.1:9798 --upstream http://127.0.0.1:9797 >/dev/null 2>&1 &
px=$!
"$TOOLS/node_modules/.bin/lcp" --proxyUrl http://127.0.0.1:9797 --port 9799 >/dev/null 2>&1 &
node=$!
trap 'kill $up $px $node 2>/dev/null || true' EXIT
for port in 9797 9798 9799; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } printf "%.3f", v }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, in 1/100 s
run_wrk() { # url extra-pid → "rps p50ms p99ms errors cpu-us/req: wrk upstream extra"
  local out up0 ex0 up1 ex1 n wrk_cpu
  up0=$(cpu_ticks "$up"); ex0=$(cpu_ticks "${2:-$up}")
  out=$( { TIMEFORMAT='%U %S'; time wrk -t2 -c50 -d10s --latency -H 'Authorization: Basic a2V5OnNlY3JldA==' "$1"; } 2>&1 )
  up1=$(cpu_ticks "$up"); ex1=$(cpu_ticks "${2:-$up}")
  local rps p50 p99 err
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }' | to_ms)
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }' | to_ms)
  err=$(echo "$out" | awk '/Socket errors/ { gsub(/,/, ""); s = $4 + $6 + $8 + $10 } /Non-2xx/ { n = $4 } END { print s + n + 0 }')
  n=$(echo "$out" | awk '/requests in/ { print $1 }')
  wrk_cpu=$(echo "$out" | tail -1 | awk '{ print $1 + $2 }')
  local extra=$((ex1 - ex0))
  [ -z "${2:-}" ] && extra=0
  awk -v rps="$rps" -v p50="$p50" -v p99="$p99" -v err="$err" -v n="$n" -v w="$wrk_cpu" \
    -v u=$((up1 - up0)) -v x="$extra" \
    'BEGIN { printf "%s %s %s %s %.1f %.1f %.1f\n", rps, p50, p99, err, w * 1e6 / n, u * 1e4 / n, x * 1e4 / n }'
}
path="/beta/audit/events?size=30"
read -r d_rps d_p50 d_p99 d_err d_wrk d_up _ <<<"$(run_wrk "http://127.0.0.1:9797$path")"
read -r p_rps p_p50 p_p99 p_err p_wrk p_up p_px <<<"$(run_wrk "http://127.0.0.1:9798$path" "$px")"
read -r n_rps n_p50 n_p99 n_err n_wrk n_up n_px <<<"$(run_wrk "http://127.0.0.1:9799/proxy$path" "$node")"
printf '%-26s %10s %8s %8s %7s   %s\n' target req/s p50-ms p99-ms errors "CPU µs per request: wrk + upstream + proxy"
printf '%-26s %10s %8s %8s %7s   %s + %s\n' "direct (fake upstream)" "$d_rps" "$d_p50" "$d_p99" "$d_err" "$d_wrk" "$d_up"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "audit-proxy" "$p_rps" "$p_p50" "$p_p99" "$p_err" "$p_wrk" "$p_up" "$p_px"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "local-cors-proxy (Node)" "$n_rps" "$n_p50" "$n_p99" "$n_err" "$n_wrk" "$n_up" "$n_px"
thr=$(awk -v a="$p_rps" -v b="$d_rps" 'BEGIN { printf "%.2f", a / b }')
added=$(awk -v a="$p_p99" -v b="$d_p99" 'BEGIN { printf "%.2f", a - b }')
vs_node=$(awk -v a="$p_rps" -v b="$n_rps" 'BEGIN { printf "%.1f", a / b }')
# wrk, the fake upstream and the proxy share this machine's cores, and each run keeps them busy,
# so requests per second are inversely proportional to the CPU a request costs in all processes
# together. The ratio cannot exceed direct CPU / proxied CPU; even a proxy costing nothing would
# leave it at direct / (wrk + upstream as measured behind the proxy).
awk -v dw="$d_wrk" -v du="$d_up" -v pw="$p_wrk" -v pu="$p_up" -v pp="$p_px" -v thr="$thr" -v cores="$(nproc)" 'BEGIN {
  d = dw + du; p = pw + pu + pp
  printf "CPU per request, all processes: direct %.1f µs, through audit-proxy %.1f µs (the proxy itself %.1f µs).\n", d, p, pp
  printf "On %d shared cores the throughput ratio is bounded by %.1f / %.1f = %.2f (measured %.2f);\n", cores, d, p, d / p, thr
  printf "a proxy costing nothing would still be bounded by %.2f, and 0.8 would need the proxy at %.1f µs per request.\n", d / (pw + pu), d / 0.8 - pw - pu
}'
verdict "proxied/direct throughput" "${thr}" "≥ 0.8" "$(ge "$thr" 0.8)"
# Latency a person would notice is measured at a person's pace: one request at a time, every
# 5 ms, open loop (examples/latency_probe.rs). At 50 connections every process waits for the
# shared cores, so the p99 difference there mostly shows queueing for the CPU; it is printed for
# reference.
cargo build --quiet --release -p audit-proxy --example latency_probe
read -r _ l_d <<<"$(./target/release/examples/latency_probe "http://127.0.0.1:9797$path" 2000 5)"
read -r _ l_p <<<"$(./target/release/examples/latency_probe "http://127.0.0.1:9798$path" 2000 5)"
light_added=$(awk -v a="$l_p" -v b="$l_d" 'BEGIN { printf "%.2f", a - b }')
printf 'p99, one request every 5 ms: direct %s ms, through audit-proxy %s ms; under saturation (50 connections) the difference is %s ms\n' "$l_d" "$l_p" "$added"
verdict "added p99 latency (1 at a time)" "${light_added} ms" "≤ 1 ms" "$(le "$light_added" 1)"
verdict "audit-proxy vs Node proxy req/s" "${vs_node}×" "≥ 3×" "$(ge "$vs_node" 3)"

printf '\n== 4b. proxy memory at 1,000 connections (wrk, 10 s)\n'
wrk -t2 -c1000 -d10s --timeout 10s -H 'Authorization: Basic a2V5OnNlY3JldA==' "http://127.0.0.1:9798$path" | grep -E "Requests/sec|errors|Non-2xx" || true
rss_mb=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$px/status")
verdict "proxy peak RSS, 1,000 connections" "${rss_mb} MB" "≤ 30 MB" "$(le "$rss_mb" 30)"

printf '\n== 5. demo API: filtered, paged queries over 100,000 events\n'
demo=$(cargo run --quiet --release -p audit-proxy --example demo_query_bench)
echo "$demo"
worst=$(echo "$demo" | awk 'NR > 2 { v = $(NF-2); if (v ~ /µs$/) { sub(/µs/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } if (v > m) m = v } END { printf "%.2f", m }')
verdict "demo query p50 (slowest shape)" "${worst} ms" "≤ 5 ms" "$(le "$worst" 5)"

printf '\n== 6. export: 10,000 events, 50 ms simulated latency per page\n'
cargo run --quiet --release -p e2e --example export_bench -- 50

printf '\n== summary\n'
printf '%-34s %-28s %-22s %s\n' figure measured budget result
printf '%s\n' "${results[@]}"
