#!/usr/bin/env bash
# The benchmark command: builds in release mode and prints every figure with its budget and a
# pass/fail mark. Comparisons are measured side by side in this one run. Loopback only.
#   bash scripts/bench.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --browser
# wrk drives the load; nginx is the reverse proxy audit-proxy is compared with, and the plain
# gzip static host Lighthouse loads the app from; Node.js and npm run Lighthouse and the Node
# proxy audit-proxy is compared with.
# Only what is missing: a machine with another Node.js (NodeSource's ships npm inside its nodejs,
# which Debian's npm conflicts with) keeps its own.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
bench_tmp="$(mktemp -d)"
pids=()
cleanup() {
  [ "${#pids[@]}" -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  rm -rf "$bench_tmp" "$ROOT/index-named.html"
}
trap cleanup EXIT
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
# This machine is a virtual one: when the host gives its cores to other guests ("steal" in
# /proc/stat), every timing here stretches, nginx's as much as ours. Each timed section prints
# the share of CPU time stolen while it ran, and the summary the run's worst, so that a slow
# figure from a crowded hour is told apart from a slow change. Ratios measured side by side in
# one section hold either way.
cpu_now() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
steal_at=$(cpu_now)
worst_steal=0
steal_since() { # prints and records the steal share since the previous call
  local now s0 t0 s1 t1 pct
  now=$(cpu_now)
  read -r s0 t0 <<<"$steal_at"; read -r s1 t1 <<<"$now"
  steal_at=$now
  pct=$(awk -v s=$((s1 - s0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')
  worst_steal=$(awk -v a="$pct" -v b="$worst_steal" 'BEGIN { print (a > b ? a : b) }')
  printf 'CPU stolen by the host during this section: %s%%\n' "$pct"
}

printf '\n== 1. bytes: the release build (wasm, JS, CSS) raw, gzip -9 and brotli -q 11\n'
bash scripts/build.sh >/dev/null 2>&1
(cd crates/hello-world && trunk build --release >/dev/null 2>&1)
command -v brotli >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q brotli; }
br() { brotli -c -q 11 "$1" | wc -c; }
printf '%-30s %10s %10s %10s\n' file raw gzip-9 brotli-11
for f in dist/*.wasm dist/*.js dist/*.css target/hello-dist/*.wasm; do
  printf '%-30s %10d %10d %10d\n' "$(basename "$(dirname "$f")")/$(basename "$f")" "$(stat -c %s "$f")" \
    "$(gzip -9 -c "$f" | wc -c)" "$(br "$f")"
done
wasm_br=$(br dist/audit-viewer_bg.wasm)
verdict "wasm, brotli" "$((wasm_br / 1000)) kB" "≤ 250 kB" "$(le "$wasm_br" 250000)"
# No growth: 404 kB was the wasm when the cold-start work began (issue 31).
verdict "wasm, brotli: no growth" "$((wasm_br / 1000)) kB" "≤ 404 kB" "$(le "$wasm_br" 404000)"
# The old budget (gzip ≤ 1.5× a hello-world Leptos app) is retired: a person waits for bytes and
# for the largest paint (Lighthouse, below), not for a ratio to an app that does nothing. The
# hello-world stays in the table above for reference.
# Where the bytes go, by crate: the same build without wasm-opt, which keeps the function names.
sed 's/data-bin="audit-viewer"/& data-keep-debug="true"/; s/data-wasm-opt="z"/data-wasm-opt="0"/' \
  index.html > index-named.html
trunk build --release --dist target/named-dist index-named.html >/dev/null 2>&1
rm -f index-named.html
python3 scripts/bundle_breakdown.py target/named-dist/*.wasm

printf '\n== 1b. what a person waits for: Lighthouse, dist/ on a plain gzip static host (nginx)\n'
lh=$(bash scripts/lighthouse.sh 3)
echo "$lh"
lh_fig() { echo "$lh" | awk -v p="$1:" -v k="$2" '$1 == p { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }'; }
m_perf=$(lh_fig mobile performance); m_lcp=$(lh_fig mobile lcp-ms)
d_perf=$(lh_fig desktop performance)
verdict "Lighthouse mobile performance" "$m_perf" "≥ 95" "$(ge "$m_perf" 95)"
verdict "Lighthouse mobile LCP" "${m_lcp} ms" "≤ 2,500 ms" "$(le "$m_lcp" 2500)"
verdict "Lighthouse desktop performance" "$d_perf" "100" "$(ge "$d_perf" 100)"
for preset in mobile desktop; do
  for cat in accessibility best-practices; do
    v=$(lh_fig "$preset" "$cat")
    verdict "Lighthouse $preset $cat" "$v" "100" "$(ge "$v" 100)"
  done
done
# When a phone can start typing, throttled as the mobile preset is (a trace of real marks).
ready=$(cargo run --quiet --release -p e2e --example sign_in_ready -- 5)
echo "$ready"
typing_ms=$(echo "$ready" | sed -nE 's/^navigation → the page.s sign-in form takes typing: ([0-9.]+) ms.*/\1/p')
verdict "mobile: navigation → sign-in takes typing" "${typing_ms} ms" "≤ 2,500 ms" "$(le "$typing_ms" 2500)"
# A signed-in revisit on that phone: the first view's requests sent by boot.js against the app
# asking them itself, side by side in the same run.
early_ms=$(echo "$ready" | sed -nE 's/^signed-in revisit → first table, first requests sent early: ([0-9.]+) ms.*/\1/p')
asking_ms=$(echo "$ready" | sed -nE 's/^signed-in revisit → first table, the app asking: ([0-9.]+) ms.*/\1/p')
early_ratio=$(awk -v a="$early_ms" -v b="$asking_ms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 9) }')
verdict "mobile revisit → first table, requests sent early / the app asking" "${early_ratio}× (${early_ms} vs ${asking_ms} ms)" "≤ 0.9×" "$(le "$early_ratio" 0.9)"

steal_at=$(cpu_now)
printf '\n== 2. cold load: navigation → 100 rows (headless Chromium, demo proxy)\n'
cold=$(cargo run --quiet --release -p e2e --example first_table -- 15 100)
echo "$cold"
cold_ms=$(echo "$cold" | sed -E 's/.*median ([0-9.]+) ms.*/\1/')
verdict "cold load to 100 rows (median)" "${cold_ms} ms" "≤ 250 ms" "$(le "$cold_ms" 250)"

steal_since

printf '\n== 2b. local workspace: the first view at 150 ms per API answer (5,000 demo events)\n'
ws=$(cargo run --quiet --release -p e2e --example workspace_bench -- 5 150)
echo "$ws"
ws_fig() { echo "$ws" | grep -F "$1:" | head -1 | sed -E 's/.*median ([0-9.]+) .*/\1/'; }
ws_first=$(ws_fig "navigation → first table")
ws_signin=$(ws_fig "sign in → first table")
ws_drawn=$(ws_fig "navigation → timeline drawn")
ws_requests=$(ws_fig "API requests for the first view")
ws_security=$(ws_fig "security overview, click → findings")
ws_kept=$(ws_fig "kept copy: navigation → first table")
ws_cold_security=$(ws_fig "security overview in a new tab → first findings")
ws_cold_security_all=$(ws_fig "security overview in a new tab → all findings")
ws_cold_security_big=$(ws_fig "50000 events: security overview in a new tab → first findings")
ws_cold_security_big_all=$(ws_fig "50000 events: security overview in a new tab → all findings")
ws_kept_requests=$(ws_fig "kept copy: API requests for the first view")
verdict "first table at 150 ms latency" "${ws_first} ms" "≤ 300 ms" "$(le "$ws_first" 300)"
verdict "sign in → first table at 150 ms latency" "${ws_signin} ms" "≤ 300 ms" "$(le "$ws_signin" 300)"
verdict "timeline drawn at 150 ms latency" "${ws_drawn} ms" "≤ 1 s" "$(le "$ws_drawn" 1000)"
verdict "API requests, first view" "${ws_requests}" "≤ 60" "$(le "$ws_requests" 60)"
verdict "security overview (copy complete)" "${ws_security} ms" "≤ 700 ms" "$(le "$ws_security" 700)"
verdict "first table, kept copy" "${ws_kept} ms" "≤ 250 ms (answer+100)" "$(le "$ws_kept" 250)"
# The overview paints each section as soon as it is exact, the key and secret changes first:
# the budgets hold for that first section; the time until every section is painted (the
# logins of the range and its 90-day look-back, read in full) is printed beside it.
verdict "security overview, new tab: first" "${ws_cold_security} ms (all ${ws_cold_security_all} ms)" "≤ 700 ms" "$(le "$ws_cold_security" 700)"
verdict "the same, 50,000 events in range" "${ws_cold_security_big} ms (all ${ws_cold_security_big_all} ms)" "≤ 1.5 s" "$(le "$ws_cold_security_big" 1500)"
verdict "API requests, kept copy revisit" "${ws_kept_requests}" "1" "$(le "$ws_kept_requests" 1)"

steal_since

printf '\n== 2c. local views: 200,000 events held in the tab, each question timed to its rows painted\n'
lv=$(cargo run --quiet --release -p e2e --example local_views -- 200000 5)
echo "$lv"
lv_p95=$(echo "$lv" | grep -F "all shapes:" | sed -E 's/.*rows painted p50 [0-9.]+ ms, p95 ([0-9.]+) ms.*/\1/')
lv_first=$(echo "$lv" | grep -F "first search text" | sed -E 's/.*rows painted ([0-9.]+) ms.*/\1/')
lv_kb=$(echo "$lv" | grep -F "wasm memory" | sed -E 's/.*\(([0-9.]+) kB an event\).*/\1/')
lv_searched=$(echo "$lv" | grep -F "wasm memory" | sed -E 's/.*, ([0-9.]+) MB after a search.*/\1/')
lv_searched_kb=$(awk -v m="$lv_searched" 'BEGIN { printf "%.2f", m * 1000 / 200000 }')
verdict "local views p95, 200,000 events" "${lv_p95} ms (first search ${lv_first} ms)" "≤ 50 ms" "$(le "$lv_p95" 50)"
verdict "tab memory an event, 200,000" "${lv_kb} kB (${lv_searched_kb} kB searched)" "≤ 1 kB" "$(le "$lv_searched_kb" 1)"

steal_since

printf "\n== 3. page switch: response → rows on screen painted, all 100 rows in the DOM\n"
switch=$(cargo run --quiet --release -p e2e --example page_switch -- 60)
echo "$switch"
switch_ms=$(echo "$switch" | sed -nE 's/^page switch.*median ([0-9.]+) ms.*/\1/p')
verdict "page switch to painted (median)" "${switch_ms} ms" "≤ 16 ms" "$(le "$switch_ms" 16)"

steal_since

printf '\n== 4. proxy overhead: wrk, 50 connections, 10 s each, same fake upstream\n'
cargo build --quiet --release -p audit-proxy --bin audit-proxy --example fake_upstream --example hyper_floor
./target/release/examples/fake_upstream 127.0.0.1:9797 >/dev/null &
up=$!
# wrk's connections come from one address: the per-client rate is raised past the load (the
# limiter still runs on every request), the client may use all 16 upstream slots, and may hold
# the 1,000 connections section 4b opens (the default cap, 128 per client, would refuse most).
RUST_LOG=warn ./target/release/audit-proxy --listen 127.0.0.1:9798 --upstream http://127.0.0.1:9797 \
  --rate-per-client 1000000 --rate-burst 1000000 --upstream-per-client 16 \
  --max-connections-per-client 2000 >/dev/null 2>&1 &
px=$!
# The floor: a bare relay on hyper's server and client (examples/hyper_floor.rs), which no proxy
# built on these crates can undercut.
./target/release/examples/hyper_floor 127.0.0.1:9795 127.0.0.1:9797 >/dev/null &
floor=$!
"$TOOLS/node_modules/.bin/lcp" --proxyUrl http://127.0.0.1:9797 --port 9799 >/dev/null 2>&1 &
node=$!
# nginx as the reverse proxy an operator would otherwise put there: as many workers as cores (its
# usual setting; audit-proxy serves on one thread), a keep-alive pool to the upstream, no access
# log. The comparison is CPU per relayed request, which does not depend on the thread count.
mkdir -p "$bench_tmp/nginx"
cat >"$bench_tmp/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $bench_tmp/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $bench_tmp/nginx/body;
  proxy_temp_path $bench_tmp/nginx/proxy;
  upstream audit { server 127.0.0.1:9797; keepalive 64; }
  server {
    listen 127.0.0.1:9796;
    location / {
      proxy_pass http://audit;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
"$NGINX" -p "$bench_tmp/nginx" -c "$bench_tmp/nginx/nginx.conf" -e stderr 2>"$bench_tmp/nginx/error.log" &
ngx=$!
pids+=("$up" "$px" "$node" "$ngx" "$floor")
for port in 9795 9796 9797 9798 9799; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } printf "%.3f", v }'; }
cpu_ticks() { # user + system (or, with a second argument "user", user only) of a process and
  # its children (nginx's workers), in 1/100 s
  local t=0 p field='$14 + $15'
  [ "${2:-}" = user ] && field='$14'
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$((t + $(awk "{ print $field }" "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
tcp_active_opens() { # connections this machine has opened since boot (the kernel's TCP counters)
  awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ActiveOpens") c = i; h = 1 } else print $c }' /proc/net/snmp
}
run_wrk() { # url extra-pid → "rps p50ms p99ms errors cpu-us/req: wrk upstream extra extra-user;
  # requests; TCP connections opened meanwhile"
  local out up0 ex0 up1 ex1 eu0 eu1 n wrk_cpu op0 op1
  up0=$(cpu_ticks "$up"); ex0=$(cpu_ticks "${2:-$up}"); eu0=$(cpu_ticks "${2:-$up}" user)
  op0=$(tcp_active_opens)
  out=$( { TIMEFORMAT='%U %S'; time wrk -t2 -c50 -d10s --latency -H 'Authorization: Basic a2V5OnNlY3JldA==' "$1"; } 2>&1 )
  up1=$(cpu_ticks "$up"); ex1=$(cpu_ticks "${2:-$up}"); eu1=$(cpu_ticks "${2:-$up}" user)
  op1=$(tcp_active_opens)
  local rps p50 p99 err
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }' | to_ms)
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }' | to_ms)
  err=$(echo "$out" | awk '/Socket errors/ { gsub(/,/, ""); s = $4 + $6 + $8 + $10 } /Non-2xx/ { n = $4 } END { print s + n + 0 }')
  n=$(echo "$out" | awk '/requests in/ { print $1 }')
  wrk_cpu=$(echo "$out" | tail -1 | awk '{ print $1 + $2 }')
  local extra=$((ex1 - ex0)) extra_user=$((eu1 - eu0))
  [ -z "${2:-}" ] && extra=0 && extra_user=0
  awk -v rps="$rps" -v p50="$p50" -v p99="$p99" -v err="$err" -v n="$n" -v w="$wrk_cpu" \
    -v u=$((up1 - up0)) -v x="$extra" -v xu="$extra_user" -v op=$((op1 - op0)) \
    'BEGIN { printf "%s %s %s %s %.1f %.1f %.1f %.1f %d %d\n", rps, p50, p99, err, w * 1e6 / n, u * 1e4 / n, x * 1e4 / n, xu * 1e4 / n, n, op }'
}
path="/beta/audit/events?size=30"
read -r d_rps d_p50 d_p99 d_err d_wrk d_up _ _ d_n d_op <<<"$(run_wrk "http://127.0.0.1:9797$path")"
read -r p_rps p_p50 p_p99 p_err p_wrk p_up p_px p_pxu p_n p_op <<<"$(run_wrk "http://127.0.0.1:9798$path" "$px")"
read -r g_rps g_p50 g_p99 g_err g_wrk g_up g_px g_pxu g_n g_op <<<"$(run_wrk "http://127.0.0.1:9796$path" "$ngx")"
read -r f_rps f_p50 f_p99 f_err f_wrk f_up f_px f_pxu f_n f_op <<<"$(run_wrk "http://127.0.0.1:9795$path" "$floor")"
read -r n_rps n_p50 n_p99 n_err n_wrk n_up n_px _ n_n n_op <<<"$(run_wrk "http://127.0.0.1:9799/proxy$path" "$node")"
printf '%-26s %10s %8s %8s %7s   %s\n' target req/s p50-ms p99-ms errors "CPU µs per request: wrk + upstream + proxy"
printf '%-26s %10s %8s %8s %7s   %s + %s\n' "direct (fake upstream)" "$d_rps" "$d_p50" "$d_p99" "$d_err" "$d_wrk" "$d_up"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "audit-proxy" "$p_rps" "$p_p50" "$p_p99" "$p_err" "$p_wrk" "$p_up" "$p_px"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "nginx (keep-alive pool)" "$g_rps" "$g_p50" "$g_p99" "$g_err" "$g_wrk" "$g_up" "$g_px"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "floor: bare hyper relay" "$f_rps" "$f_p50" "$f_p99" "$f_err" "$f_wrk" "$f_up" "$f_px"
printf '%-26s %10s %8s %8s %7s   %s + %s + %s\n' "local-cors-proxy (Node)" "$n_rps" "$n_p50" "$n_p99" "$n_err" "$n_wrk" "$n_up" "$n_px"
# Where each proxy's CPU goes: the kernel's socket work is about the same for both, so the
# user-space figures show what is left to win.
awk -v pu="$p_pxu" -v pt="$p_px" -v gu="$g_pxu" -v gt="$g_px" -v fu="$f_pxu" -v ft="$f_px" 'BEGIN {
  printf "CPU µs per request, user + system: audit-proxy %.1f + %.1f, bare hyper %.1f + %.1f, nginx %.1f + %.1f\n", pu, pt - pu, fu, ft - fu, gu, gt - gu
  printf "of audit-proxy'"'"'s CPU per request, hyper'"'"'s floor is %.0f%%; the rest (axum, the tower layers, the allow-list and checks) %.0f%%; the floor is %.2f× nginx\n", 100 * ft / pt, 100 * (pt - ft) / pt, ft / gt }'
added=$(awk -v a="$p_p99" -v b="$d_p99" 'BEGIN { printf "%.2f", a - b }')
vs_node=$(awk -v a="$p_rps" -v b="$n_rps" 'BEGIN { printf "%.1f", a / b }')
vs_nginx=$(awk -v a="$p_px" -v b="$g_px" 'BEGIN { printf "%.2f", a / b }')
up_behind=$(awk -v a="$p_up" -v b="$d_up" 'BEGIN { printf "%.2f", a / b }')
# The yardsticks are an operator's: what nginx spends relaying the same request on the same
# machine, and what the upstream spends answering it directly. (The old budget, proxied/direct
# throughput ≥ 0.8, is retired: wrk, the upstream and the proxy share the cores, so the ratio
# is bounded by the CPU of the other processes, not by the proxy.)
verdict "audit-proxy CPU/req vs nginx" "${p_px} / ${g_px} µs (${vs_nginx}×)" "≤ 1× nginx" "$(le "$vs_nginx" 1)"
# For reference, the same ratio behind nginx and behind the bare hyper relay: direct, wrk's 50
# connections reach the upstream at once and each of its wake-ups serves several requests; behind
# any proxy, fewer requests arrive together, so even nginx's ratio is above 1.
up_nginx=$(awk -v a="$g_up" -v b="$d_up" 'BEGIN { printf "%.2f", a / b }')
up_floor=$(awk -v a="$f_up" -v b="$d_up" 'BEGIN { printf "%.2f", a / b }')
printf 'upstream CPU per request against direct: behind audit-proxy %s×, behind the bare hyper relay %s×, behind nginx %s×\n' "$up_behind" "$up_floor" "$up_nginx"
# The issue that set this budget suspected connections to the upstream were not reused. The
# kernel's count of opened connections says: beyond wrk's own (the direct run's count), each
# relay opens only its pool's connections, each carrying thousands of requests.
awk -v d="$d_op" -v p="$p_op" -v pn="$p_n" -v g="$g_op" -v gn="$g_n" -v f="$f_op" -v fn="$f_n" -v n="$n_op" -v nn="$n_n" 'BEGIN {
  c = p - d; printf "connections opened to the upstream in each run (TCP opens beyond the direct run'"'"'s %d, which are wrk'"'"'s): audit-proxy %d (%.0f requests each)", d, c, pn / (c > 0 ? c : 1)
  c = f - d; printf ", bare hyper relay %d (%.0f each)", c, fn / (c > 0 ? c : 1)
  c = g - d; printf ", nginx %d (%.0f each)", c, gn / (c > 0 ? c : 1)
  c = n - d; printf ", Node %d (%.0f each)\n", c, nn / (c > 0 ? c : 1) }'
verdict "upstream CPU/req behind proxy" "${p_up} / ${d_up} µs (${up_behind}×)" "≤ 1.1× direct" "$(le "$up_behind" 1.1)"
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

steal_since

printf '\n== 4b. proxy memory at 1,000 connections (wrk, 10 s)\n'
wrk -t2 -c1000 -d10s --timeout 10s -H 'Authorization: Basic a2V5OnNlY3JldA==' "http://127.0.0.1:9798$path" | grep -E "Requests/sec|errors|Non-2xx" || true
rss_mb=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$px/status")
verdict "proxy peak RSS, 1,000 connections" "${rss_mb} MB" "≤ 30 MB" "$(le "$rss_mb" 30)"

steal_since

printf '\n== 5. demo API: filtered, paged queries over 100,000 events\n'
demo=$(cargo run --quiet --release -p audit-proxy --example demo_query_bench)
echo "$demo"
worst=$(echo "$demo" | awk 'NR > 2 { v = $(NF-2); if (v ~ /µs$/) { sub(/µs/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } if (v > m) m = v } END { printf "%.2f", m }')
verdict "demo query p50 (slowest shape)" "${worst} ms" "≤ 5 ms" "$(le "$worst" 5)"

steal_since

printf '\n== 5b. archive: writes beside a plain COPY of the same rows, the watch, list, timeline and facets answers, 100,000 events\n'
# A throwaway cluster of its own (fsync off for both sides alike); 100,000 demo events.
archive_w=$(cargo run --quiet --release -p audit-archive --example archive_bench -- 100000)
echo "$archive_w"
ratio=$(echo "$archive_w" | awk '/^ratio archive\/COPY/ { print $3 }')
verdict "archive write rate vs COPY" "${ratio}×" "≥ 0.5×" "$(ge "$ratio" 0.5)"
# The issue's budget is for 1,000,000 events; 100,000 keep the run short, so this is the floor.
a_p95=$(echo "$archive_w" | awk '/^list answer/ { v = $NF; sub(/ms/, "", v); v = $(NF-1); if (v + 0 > m) m = v + 0 } END { print m }')
verdict "archive list answer p95, worst shape" "${a_p95} ms" "≤ 100 ms" "$(le "$a_p95" 100)"
# The timeline's counts, the facets and an event's relatives, one answer each (what the app asks
# of an archive).
for kind in timeline facets related; do
  k_p95=$(echo "$archive_w" | awk -v k="$kind answer" 'index($0, k) == 1 { v = $(NF-1); if (v + 0 > m) m = v + 0 } END { print m }')
  verdict "archive $kind answer p95, worst shape" "${k_p95} ms" "≤ 100 ms" "$(le "$k_p95" 100)"
done
# The watch keeps up with collecting: the shipped rules per event cost less than writing it.
w_ratio=$(echo "$archive_w" | awk '/^ratio watch/ { print $3 }')
verdict "watch per event vs write per event" "${w_ratio}×" "≤ 1×" "$(le "$w_ratio" 1)"

steal_since

printf '\n== 5c. alerts: an event reaching the API → its alert at the webhook, polling every 5 s, one minute\n'
alert_l=$(cargo run --quiet --release -p audit-archive --example alert_latency -- 5)
echo "$alert_l"
l_ratio=$(echo "$alert_l" | awk '/^ratio max/ { print $3 }')
verdict "alert latency, worst vs poll interval" "${l_ratio:-none}×" "≤ 1×" "$(le "${l_ratio:-9}" 1)"

steal_since

printf '\n== 5d. the app on an archive of 1,000,000 events, beside the tab holding 50,000 of its own\n'
# Each question (a type, qualifiers, search texts, a far page) from the click to its rows painted,
# and each archive answer behind it (the list, the timeline's counts, the facets), in Chromium.
# Filling the archive takes about 4 minutes; AUDIT_BENCH_ARCHIVE_EVENTS makes it smaller.
av=$(cargo run --quiet --release -p e2e --example archive_views -- "${AUDIT_BENCH_ARCHIVE_EVENTS:-1000000}" 50000 5)
echo "$av"
av_answers=$(echo "$av" | grep -F "archive, all shapes:" | sed -E 's/.*answers p50 [0-9.]+ ms, p95 ([0-9.]+) ms.*/\1/')
av_rows=$(echo "$av" | grep -F "archive, all shapes:" | sed -E 's/.*rows painted p50 [0-9.]+ ms, p95 ([0-9.]+) ms.*/\1/')
av_copy=$(echo "$av" | grep -F "copy of 50000, all shapes:" | sed -E 's/.*rows painted p50 [0-9.]+ ms, p95 ([0-9.]+) ms.*/\1/')
verdict "app on the archive, answer p95" "${av_answers} ms" "≤ 100 ms" "$(le "$av_answers" 100)"
printf 'side by side, a question → its rows painted, p95: the archive %s ms, the tab'"'"'s copy %s ms\n' "$av_rows" "$av_copy"

steal_since

printf '\n== 6. export: 10,000 events, 50 ms simulated latency per page\n'
cargo run --quiet --release -p e2e --example export_bench -- 50

steal_since

printf '\n== summary\n'
printf '%-34s %-28s %-22s %s\n' figure measured budget result
printf '%s\n' "${results[@]}"
printf 'CPU stolen by the host, worst timed section: %s%% (above a few per cent, figures against fixed budgets read slow)\n' "$worst_steal"
