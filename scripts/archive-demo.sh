#!/usr/bin/env bash
# Runs the archive on the demo account, with nothing to set up by hand: a throwaway PostgreSQL
# cluster in a temporary folder (initdb and pg_ctl as the unprivileged postgres user when run as
# root; a free port; removed on exit), audit-proxy --demo as the upstream on 127.0.0.1:8788,
# audit-archive collecting from it and answering the API's calls on 127.0.0.1:8789, and the app
# on http://127.0.0.1:8787/, whose calls audit-proxy relays to the archive.
# Ctrl-C, SIGTERM or SIGINT stops everything and removes the cluster.
#
#   bash scripts/archive-demo.sh [--demo-events N]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
events=5000
if [ "${1:-}" = "--demo-events" ]; then events="$2"; fi
bash scripts/build.sh
cargo build --release -p audit-proxy -p audit-archive
bin="$(cargo_target_dir)/release"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bin" ] || pg_bin=$(pg_config --bindir)
dir=$(mktemp -d)
chmod 755 "$dir"
mkdir "$dir/pg"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$dir/pg"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
stop() {
  # A second signal while stopping (a supervisor's, after the terminal's) must not cut the
  # clean-up short: the cluster would be left running.
  trap '' INT TERM
  trap - EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w start \
  -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1" >/dev/null

wait_for() {
  for _ in $(seq 1 200); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$2 did not start (is its port taken?)" >&2
  exit 1
}

# The demo account grows by an event every two seconds, so the watch has something new to see.
"$bin/audit-proxy" --demo --demo-events "$events" --demo-live-every-ms 2000 --listen 127.0.0.1:8788 &
pids+=($!)
wait_for http://127.0.0.1:8788 "audit-proxy --demo"
AUDIT_API_KEY=demo AUDIT_API_SECRET=demo "$bin/audit-archive" \
  --database-url "postgres://postgres@127.0.0.1:$port/postgres" \
  --upstream http://127.0.0.1:8788 --listen 127.0.0.1:8789 --poll-secs 10 --rules rules &
pids+=($!)
wait_for http://127.0.0.1:8789 "audit-archive"
"$bin/audit-proxy" --app dist --upstream http://127.0.0.1:8789 --listen 127.0.0.1:8787 &
pids+=($!)
wait_for http://127.0.0.1:8787 "audit-proxy --app dist"

cat <<MSG

  The archive on the demo account: open http://127.0.0.1:8787/ and sign in with "Try the demo".
  It watches the shipped rules (rules/): their hits appear under Alerts as the demo account's
  new events meet them (a burst of one user's logins within minutes).
  The archive alone: curl -u demo:demo http://127.0.0.1:8789/beta/audit/events
  Its database: psql postgres://postgres@127.0.0.1:$port/postgres
  Ctrl-C stops everything and removes the database.

MSG
wait "${pids[@]}"
