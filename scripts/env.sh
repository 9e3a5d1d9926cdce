# Sourced by the other scripts: where the locally installed tools are, and how trunk must behave.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# Tools only the benchmarks use (npm packages) stay in the checkout.
TOOLS="$ROOT/.tools"
# trunk and wasm-bindgen live in cargo's bin folder, which rustup puts on every user's PATH;
# wasm-opt (npm's binaryen, run by a pinned Node.js of its own) lives in a per-user folder whose
# bin/ the scripts put first on PATH, and setup.sh links it into cargo's bin folder too.
# AUDIT_VIEWER_TOOLS moves that folder (the fresh-clone check installs into an empty one).
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
AUDIT_VIEWER_TOOLS="${AUDIT_VIEWER_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/audit-viewer}"
export PATH="$AUDIT_VIEWER_TOOLS/bin:$CARGO_BIN:$PATH"
# trunk uses wasm-bindgen and wasm-opt from PATH and never downloads anything.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
NODE_VERSION=22.23.5
# The test command's dependency checks (unused dependencies; licences, duplicates, sources).
CARGO_MACHETE_VERSION=0.9.2
CARGO_DENY_VERSION=0.20.2
# The wasm-bindgen CLI must match the crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
export TRUNK_VERSION BINARYEN_VERSION NODE_VERSION WASM_BINDGEN_VERSION AUDIT_VIEWER_TOOLS
export CARGO_MACHETE_VERSION CARGO_DENY_VERSION

# cargo's target folder for this workspace (CARGO_TARGET_DIR or the configured one).
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}
