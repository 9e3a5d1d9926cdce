#!/usr/bin/env bash
# What a new user meets: the project cloned alone into an empty folder, with nothing beside it.
# In that clone it runs the contract's test, the hosting build (`bash scripts/build.sh`) and the
# README's first command (`bash scripts/demo.sh`), signs in to it as a new user in Chromium, edits
# a file to see the page reload, and stops it with SIGTERM, checking that both servers end.
# As on a fresh Debian with rustup, Node.js and npm are not on the PATH there, and the tools
# folder (wasm-opt and the Node.js that runs it) starts empty: the scripts must install it.
# CI runs it after the test command. Builds go to target/fresh-clone/ of this checkout, kept
# between runs but apart from this checkout's own (cargo would take one tree's artifacts for the
# other's: same crates, same relative paths).
#   bash scripts/fresh-clone-check.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --browser

step() { printf '\n== fresh clone: %s\n' "$*"; }
target="$(cargo_target_dir)"
export CARGO_TARGET_DIR="$target/fresh-clone"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
work="$(mktemp -d)"
clone="$work/clone/audit-viewer"
demo=""
cleanup() {
  if [ -n "$demo" ]; then kill -TERM -- "-$demo" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "no Node.js or npm on the PATH; an empty tools folder"
# Each PATH folder holding node, nodejs, npm, npx or corepack is replaced by a folder of links
# to everything else in it.
hidden="$work/path" path="" n=0
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  if [ -e "$d/node" ] || [ -e "$d/nodejs" ] || [ -e "$d/npm" ] || [ -e "$d/npx" ]; then
    n=$((n + 1)); mkdir -p "$hidden/$n"
    for f in "$d"/*; do
      case "${f##*/}" in node | nodejs | npm | npx | corepack) ;; *) ln -s "$f" "$hidden/$n/" ;; esac
    done
    d="$hidden/$n"
  fi
  path="${path:+$path:}$d"
done
export PATH="$path"
if command -v node || command -v npm; then echo "node or npm is still on the PATH" >&2; exit 1; fi
export AUDIT_VIEWER_TOOLS="$work/tools"
echo "PATH without node and npm; tools folder $AUDIT_VIEWER_TOOLS"

step "git clone into $clone (nothing beside it)"
mkdir -p "$work/clone" && git clone -q "$ROOT" "$clone"
ls -A "$work/clone"

# The test command (.ci/run's first step) already ran every test in a clean clone; the one
# thing a clone alone lacks is ../shared, and only the contract's test reads it (a docs test,
# only_the_contracts_test_reads_outside_the_repository, keeps that true). So here that test
# runs, on the repository's own copy of the contract, and the rest is not compiled twice.
step "the contract's test, with nothing beside the clone"
(cd "$clone" && timeout 1800 cargo test -p audit-model --test spec_examples)

step "hosting build: bash scripts/build.sh"
(cd "$clone" && timeout 1800 bash scripts/build.sh)
for f in index.html 404.html audit-viewer_bg.wasm audit-viewer.js loader.js config.json \
  audit-viewer_bg.wasm.gz audit-viewer_bg.wasm.br audit-viewer.js.br main.css.gz; do
  [ -s "$clone/dist/$f" ] || { echo "dist/$f is missing after scripts/build.sh" >&2; exit 1; }
done
if [ -e "$clone/dist/trunk-live-reload.js" ] || grep -q 'TRUNK' "$clone/dist/index.html"; then
  echo "the release build carries trunk's live-reload client" >&2; exit 1
fi
if ! "$AUDIT_VIEWER_TOOLS/bin/wasm-opt" --version; then
  echo "the build did not install its own wasm-opt into $AUDIT_VIEWER_TOOLS" >&2; exit 1
fi
rm -rf "$clone/dist"

step "the README's first command: bash scripts/demo.sh"
for port in 8080 8787; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken; the demo command needs it" >&2; exit 1
  fi
done
log="$work/demo.log"
(cd "$clone" && exec setsid bash scripts/demo.sh) >"$log" 2>&1 &
demo=$!
ready=false
for _ in $(seq 1 1200); do   # up to 20 minutes: trunk builds the app first
  if curl -fsS -o /dev/null http://127.0.0.1:8080/ 2>/dev/null \
    && curl -fsS -o /dev/null -u demo:demo http://127.0.0.1:8787/beta/audit/events 2>/dev/null; then
    ready=true; break
  fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 1
done
if ! $ready; then
  echo "the demo command did not serve the app and the demo API:" >&2
  tail -n 40 "$log" >&2; exit 1
fi
echo "app and demo API answer"

step "sign in as a new user, live reload (headless Chromium)"
if ! (cd "$clone" && E2E_DEMO_CHECKOUT="$clone" CHROMEDRIVER="$(command -v chromedriver)" \
  timeout 900 cargo test -p e2e --test demo_command -- --ignored); then
  tail -n 40 "$log" >&2; exit 1
fi

step "stop it: SIGTERM to the command"
kill -TERM "$demo"
# What is still alive in the command's process group. A zombie (state Z) is not: it has exited
# and holds nothing, and where PID 1 does not reap orphans (some containers) it stays listed.
alive_in_group() { ps -eo pid=,pgid=,stat=,args= | awk -v g="$demo" '$2 == g && $3 !~ /^Z/'; }
stopped=false
for _ in $(seq 1 150); do
  if ! kill -0 "$demo" 2>/dev/null \
    && ! curl -s -o /dev/null http://127.0.0.1:8080/ \
    && ! curl -s -o /dev/null http://127.0.0.1:8787/healthz \
    && [ -z "$(alive_in_group)" ]; then
    stopped=true; break
  fi
  sleep 0.1
done
if ! $stopped; then
  echo "the demo command left something running:" >&2
  alive_in_group >&2
  exit 1
fi
wait "$demo" 2>/dev/null || true
demo=""
echo "stopped: both servers gone, no process left"
