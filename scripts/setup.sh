#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already present:
# the wasm32 target, trunk, wasm-bindgen-cli (the version in Cargo.lock), wasm-opt (npm's
# binaryen: Debian's crashes the app), and with --browser Debian's chromium and chromium-driver.
set -euo pipefail
source "$(dirname "$0")/env.sh"
browser=false
[ "${1:-}" = "--browser" ] && browser=true

step() { printf '\n== %s\n' "$*"; }

# Debian packages this script installs when they are missing (Node.js and npm for wasm-opt,
# brotli, and for the tests Chromium). Without apt-get, say first and plainly what to install.
apt_install() {
  if ! command -v apt-get >/dev/null; then
    printf 'audit-viewer setup: please install %s with your package manager, then run this again\n' "$*" >&2
    printf '(this script installs them itself only on Debian and Ubuntu, with apt-get)\n' >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  step "cargo install trunk $TRUNK_VERSION (about 10 minutes the first time)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins a webpki-roots release the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt goes next to trunk and wasm-bindgen (cargo's bin folder, on PATH for every rustup
# user), so plain `trunk build --release` and `trunk serve` find it in any new shell. The npm package
# itself lives in a per-user folder, not in this checkout, so the link survives a deleted clone.
if [ "$(wasm-opt --version 2>/dev/null | grep -oE 'version [0-9]+' | head -n1)" != "version ${BINARYEN_VERSION%%.*}" ] \
  || [ ! -e "$CARGO_BIN/wasm-opt" ]; then
  # npm's binaryen runs on Node.js, which a fresh Debian does not have.
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    step "apt-get install nodejs npm (to run wasm-opt from npm's binaryen)"
    apt_install nodejs npm
  fi
  step "npm install binaryen@$BINARYEN_VERSION (wasm-opt) into $BINARYEN_DIR"
  mkdir -p "$BINARYEN_DIR" "$CARGO_BIN"
  npm install --silent --no-audit --no-fund --prefix "$BINARYEN_DIR" "binaryen@$BINARYEN_VERSION"
  ln -sf "$BINARYEN_DIR/node_modules/.bin/wasm-opt" "$CARGO_BIN/wasm-opt"
fi

# brotli: the release build writes .br copies of its files beside them (scripts/trunk-post-build.sh).
if ! command -v brotli >/dev/null; then
  step "apt-get install brotli"
  apt_install brotli
fi

if $browser && ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  step "apt-get install chromium chromium-driver"
  apt_install chromium chromium-driver
fi

# Trunk.toml sets offline = true, so cargo must have every crate already.
cargo fetch --quiet
