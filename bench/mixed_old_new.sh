#!/usr/bin/env bash
# A council's mixed day (creates, reads, work-queue lists, transitions) on
# MIXED_CASES seeded cases, an old binary and this tree's side by side in one
# run, so that the machine's noise hits both alike: each binary seeds its own
# database from the same seed, then the two take turns at each load.
#
#   OLD=/path/to/old/council-feedback bash bench/mixed_old_new.sh
#   OLD=... BACKENDS=sqlite MIXED_CASES=10000 SECONDS_PER_RUN=10 bash bench/mixed_old_new.sh
#
# Build the old one from a worktree of the old commit:
#   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release --bin council-feedback)
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${OLD:?set OLD to the old council-feedback binary}
BACKENDS=${BACKENDS:-"sqlite postgres"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
MIXED_CASES=${MIXED_CASES:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-mixed.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http
NEW=./target/release/council-feedback

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/'), old: $OLD"

start_server() {
  local binary=$1 url=$2 name=$3
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$name" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" "$binary" > "$WORK/server-$name.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do
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

database() {
  local backend=$1 name=$2
  case $backend in
    sqlite) echo "sqlite://$WORK/mixed-$name.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS council_feedback_bench_$name" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE council_feedback_bench_$name" >/dev/null
      echo "$PG_URL/council_feedback_bench_$name" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
}

for backend in $BACKENDS; do
  echo
  echo "== $backend, $MIXED_CASES seeded cases each"
  old_url=$(database "$backend" old)
  new_url=$(database "$backend" new)
  DATABASE_URL="$old_url" DATA_DIR="$WORK/data-old" JWT_SECRET="$SECRET" \
    "$OLD" seed --cases "$MIXED_CASES" --seed 1 2>/dev/null
  DATABASE_URL="$new_url" DATA_DIR="$WORK/data-new" JWT_SECRET="$SECRET" \
    "$NEW" seed --cases "$MIXED_CASES" --seed 1 2>/dev/null
  for rate in "" 300 600; do
    for side in old new; do
      if [ "$side" = old ]; then start_server "$OLD" "$old_url" old; else start_server "$NEW" "$new_url" new; fi
      if [ -n "$rate" ]; then label="paced $rate/s"; else label="flat out"; fi
      printf '%s %s: ' "$side" "$label"
      ./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" \
        --scenario mixed --concurrency 16 ${rate:+--rate "$rate"} --seconds "$SECONDS_PER_RUN" | tr '\n' ' '
      echo
      stop_server
    done
  done
  if [ "$backend" = postgres ]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS council_feedback_bench_old" >/dev/null
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS council_feedback_bench_new" >/dev/null
  fi
done
