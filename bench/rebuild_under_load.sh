#!/usr/bin/env bash
# The rebuild of the reports' projections (`council-feedback projections rebuild`) on a seeded
# database, timed, and what it does to a council's mixed day served at the same time: an old
# binary and this tree's side by side, each on its own copy of one seed.
#
#   SEEDED=sqlite:///work/bench1m/seeded.db OLD=/tmp/old/council-feedback bash bench/rebuild_under_load.sh
#   SEEDED=postgres://postgres@127.0.0.1:5432/seeded OLD=... bash bench/rebuild_under_load.sh
#
# Seed with the OLD binary (`council-feedback seed`), so that both start from its migrations.
# Settings: NEW (default this tree's release build), RATE (mixed requests a second, default
# 60), LOAD_SECONDS (default 30), PORT, SIDES (default "old new").
#
# For each binary, on its own copy: its service started; a baseline of the mixed day; then
# every case's lines and tallies deleted (as if lost), so that the rebuild has every case to
# write again, and `projections rebuild` started with the mixed day alongside. Printed: the
# load's figures without and during the rebuild (errors, p50, p99, max), the rebuild's time
# and what it said. Then a second rebuild, with nothing to put right, timed.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDED=${SEEDED:?set SEEDED to a seeded database URL}
OLD=${OLD:?set OLD to the old council-feedback binary}
RATE=${RATE:-60}
LOAD_SECONDS=${LOAD_SECONDS:-30}
PORT=${PORT:-18083}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-rebuild.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --example bench_http
if [ -z "${NEW:-}" ]; then
  cargo build --release --quiet --bin council-feedback
  NEW=./target/release/council-feedback
fi
LOAD=./target/release/examples/bench_http

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/') ($NEW), old: $OLD"
echo "seed: ${SEEDED%%\?*}; mixed day at $RATE requests a second, $LOAD_SECONDS s"

copy_of() {
  local name=$1
  case $SEEDED in
    sqlite://*)
      local from=${SEEDED#sqlite://}
      from=${from%%\?*}
      cp "$from" "$WORK/$name.db"
      # Written out now, not by the service's first checkpoint in the middle of a load.
      sync
      echo "sqlite://$WORK/$name.db" ;;
    postgres*)
      local server=${SEEDED%/*} seed=${SEEDED##*/}
      psql "$server/postgres" -qc "DROP DATABASE IF EXISTS cf_rebuild_$name" >/dev/null
      psql "$server/postgres" -qc "CREATE DATABASE cf_rebuild_$name TEMPLATE $seed" >/dev/null
      echo "$server/cf_rebuild_$name" ;;
    *) echo "unknown database $SEEDED" >&2; exit 2 ;;
  esac
}

sql() {
  local url=$1 statement=$2
  case $url in
    sqlite://*) python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=60); c.executescript(sys.argv[2]); c.commit()' "${url#sqlite://}" "$statement" ;;
    *) psql "$url" -qc "$statement" >/dev/null ;;
  esac
}

start_server() {
  local binary=$1 url=$2 name=$3
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$name" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" "$binary" > "$WORK/server-$name.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 3000); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the $name server did not start:" >&2
  cat "$WORK/server-$name.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}

load() {
  "$LOAD" --url "http://127.0.0.1:$PORT" --secret "$SECRET" --scenario mixed --concurrency 16 \
    --rate "$RATE" --seconds "$LOAD_SECONDS" --seed "$1" | tail -1
}

rebuild() {
  local binary=$1 url=$2 name=$3 started
  started=$(date +%s.%N)
  RUST_LOG=warn JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$name-rebuild" \
    "$binary" projections rebuild > "$WORK/rebuild-$name.out" 2>&1 || echo "(the rebuild failed)" >> "$WORK/rebuild-$name.out"
  echo "wall_s=$(echo "$(date +%s.%N) - $started" | bc) said: $(tail -1 "$WORK/rebuild-$name.out")"
}

for side in ${SIDES:-old new}; do
  if [ "$side" = old ]; then binary=$OLD; else binary=$NEW; fi
  url=$(copy_of "$side")
  start_server "$binary" "$url" "$side"
  echo
  echo "== $side"
  echo "mixed day alone:        $(load 1)"
  sql "$url" "DELETE FROM report_lines; DELETE FROM report_case_tallies;"
  rebuild "$binary" "$url" "$side" > "$WORK/rebuild-$side.time" &
  REBUILD=$!
  echo "mixed day, rebuilding:  $(load 2)"
  wait "$REBUILD"
  echo "rebuild, every case:    $(cat "$WORK/rebuild-$side.time")"
  echo "rebuild, nothing wrong: $(rebuild "$binary" "$url" "$side-again")"
  stop_server
  echo "server log lines with \"error\": $(grep -ci "error" "$WORK/server-$side.log" || true)"
  case $url in postgres*) psql "${url%/*}/postgres" -qc "DROP DATABASE IF EXISTS cf_rebuild_$side" >/dev/null ;; esac
done
