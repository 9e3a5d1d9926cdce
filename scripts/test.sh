#!/usr/bin/env bash
# Runs every test: formatting and lints, native tests (model, proxy, app logic), wasm component
# tests in headless Chromium, and browser end-to-end tests against the release build.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --browser
# One run builds every target once: incremental caches would only take disk (2 GB of 16 GB seen).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Every test runner's output is also kept, to print one total at the end.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
exec > >(tee "$log") 2>&1

step() { printf '\n== %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy (native and wasm)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --bins --tests -- -D warnings

step "dependencies: none unused (cargo machete), licences, duplicates and sources (cargo deny, deny.toml)"
cargo machete
cargo deny --workspace check bans licenses sources

step "native tests"
cargo test --workspace --exclude e2e

step "wasm component tests (headless Chromium)"
# wasm-bindgen-test-runner stops chromedriver before it removes Chromium's profile: the
# profile goes into a folder of this run's own, removed after.
browser_tmp="$(mktemp -d)"
trap 'rm -f "$log"; rm -rf "$browser_tmp"' EXIT
TMPDIR="$browser_tmp" \
CHROMEDRIVER="$(command -v chromedriver)" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --target wasm32-unknown-unknown --test web
rm -rf "$browser_tmp"

step "release build (root and a sub-path)"
bash scripts/build.sh
bash scripts/build.sh --public-url /sub/ --dist dist-sub

step "browser end-to-end tests (headless Chromium via chromedriver)"
E2E_DIST="$ROOT/dist" E2E_DIST_SUB="$ROOT/dist-sub" cargo test -p e2e --tests -- --test-threads=2

printf '\n== summary\n'
printf 'disk: target/ holds %s; Chromium profiles left in %s: %s\n' \
  "$(du -sh "$(cargo_target_dir)" | cut -f1)" "${TMPDIR:-/tmp}" \
  "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name '*hromium*' | wc -l)"
awk '/^test result: ok\./ { sub(/;/, "", $4); p += $4 } END { printf "tests: %d passed, 0 failed\n", p }' "$log"
