#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml). Under `trunk serve`, trunk appends its live-reload client to
# index.html as an inline <script>, which the page's Content-Security-Policy (no inline script)
# blocks. This moves that script into a file beside index.html, loaded from 'self', so live reload
# works in development while the policy stays exactly as strict as in production. A `trunk build`
# has no such script and is left untouched.
set -euo pipefail
html="$TRUNK_STAGING_DIR/index.html"
[ -f "$html" ] || exit 0
grep -q '{{__TRUNK_WS_BASE__}}' "$html" || exit 0

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
