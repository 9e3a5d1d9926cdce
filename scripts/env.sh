# Sourced by the other scripts: where the locally installed tools are, and how trunk must behave.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# Tools only the benchmarks use (npm packages) stay in the checkout.
TOOLS="$ROOT/.tools"
# trunk, wasm-bindgen and wasm-opt live in cargo's bin folder, which rustup puts on every user's
# PATH; the scripts add it too, for shells that do not have it yet.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
# trunk uses wasm-bindgen and wasm-opt from PATH and never downloads anything.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
BINARYEN_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/audit-viewer/binaryen-$BINARYEN_VERSION"
# The wasm-bindgen CLI must match the crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
export TRUNK_VERSION BINARYEN_VERSION WASM_BINDGEN_VERSION

# cargo's target folder for this workspace (CARGO_TARGET_DIR or the configured one).
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}
