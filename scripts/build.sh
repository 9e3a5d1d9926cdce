#!/usr/bin/env bash
# Release build for any static host: `bash scripts/build.sh [--public-url /sub/] [--dist DIR]`.
# Writes DIR/404.html as a copy of index.html for hosts whose only fallback is a 404 page.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
dist="dist"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--dist" ] && dist="${args[$((i + 1))]}"
done
trunk build --release "$@"
cp "$dist/index.html" "$dist/404.html"
