#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml).
#
# A release build: writes a gzip (.gz) and, where Debian's `brotli` is installed, a brotli (.br)
# copy beside each wasm, JS and CSS file, for hosts that send precompressed files
# (`audit-proxy --app`, nginx's gzip_static/brotli_static). config.json is left alone: it is
# edited after the build.
#
# Under `trunk serve`, trunk appends its live-reload client to
# index.html as an inline <script>, which the page's Content-Security-Policy (no inline script)
# blocks. This moves that script into a file beside index.html, loaded from 'self', so live reload
# works in development while the policy stays exactly as strict as in production. A `trunk build`
# has no such script and is left untouched.
set -euo pipefail
html="$TRUNK_STAGING_DIR/index.html"
[ -f "$html" ] || exit 0

if ! grep -q '{{__TRUNK_WS_BASE__}}' "$html"; then
  [ "${TRUNK_PROFILE:-}" = release ] || exit 0
  if ! command -v brotli >/dev/null; then
    echo "trunk-post-build: brotli is not installed (apt-get install brotli): writing .gz copies only" >&2
  fi
  for f in "$TRUNK_STAGING_DIR"/*.wasm "$TRUNK_STAGING_DIR"/*.js "$TRUNK_STAGING_DIR"/*.css; do
    [ -f "$f" ] || continue
    gzip -9 -n -k -f "$f"
    if command -v brotli >/dev/null; then brotli -q 11 -k -f "$f"; fi
  done
  exit 0
fi

content="$(<"$html")"
before="${content%<script>*}"
rest="${content##*<script>}"
script="${rest%%</script>*}"
after="${rest#*</script>}"
case "$script" in *'{{__TRUNK_WS_BASE__}}'*) ;; *) echo "trunk-post-build: live-reload script not found" >&2; exit 1 ;; esac

# trunk fills these two placeholders only in HTML answers; in a file they must be filled here,
# with what trunk itself would use: the page's own host, and the public URL as the socket base.
base="${TRUNK_PUBLIC_URL:-/}"
[[ "$base" == */ ]] || base="$base/"
script="${script//\'\{\{__TRUNK_ADDRESS__\}\}\'/window.location.host}"
script="${script//\{\{__TRUNK_WS_BASE__\}\}/$base}"
printf '%s\n' "$script" >"$TRUNK_STAGING_DIR/trunk-live-reload.js"
printf '%s<script src="trunk-live-reload.js"></script>%s\n' "$before" "$after" >"$html"
