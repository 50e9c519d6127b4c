#!/usr/bin/env bash
# Benchmarks the service over HTTP on SQLite and PostgreSQL, and the clock in
# process. Prints one line per run; docs/PERFORMANCE.md records the latest.
#
#   bash bench/run.sh                 # everything
#   BACKENDS=sqlite bash bench/run.sh # one backend
#   SECONDS_PER_RUN=5 bash bench/run.sh
#   MIXED_CASES=10000 bash bench/run.sh   # a smaller seeded database
#
# Per backend: creates on an empty database; then a database seeded with
# MIXED_CASES cases (default 100,000) and a council's mixed day on it at
# concurrency 16, flat out and paced at 300 and 600 requests a second.
#
# Needs a PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432)
# for the PostgreSQL runs; its database council_feedback_bench is recreated.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"sqlite postgres"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
MIXED_CASES=${MIXED_CASES:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-bench.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http --example bench_due_dates

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')"

echo
echo "== clock, in process"
./target/release/examples/bench_due_dates

start_server() {
  local url=$1
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "something already answers on port $PORT: stop it or set PORT" >&2
    exit 1
  fi
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" ./target/release/council-feedback > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$WORK/server.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}

load() {
  ./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" "$@"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/bench.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_bench' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_bench' >/dev/null
      url="$PG_URL/council_feedback_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo
  echo "== $backend"
  start_server "$url"
  load --scenario create --concurrency 4 --seconds "$SECONDS_PER_RUN"
  load --scenario create --concurrency 16 --seconds "$SECONDS_PER_RUN"
  if [ "$backend" = postgres ] && command -v pgbench >/dev/null; then
    # The same statements straight to PostgreSQL: the ceiling for creates here.
    psql "$url" -qc "INSERT INTO reference_sequences VALUES ('BENCH', 2026, 0)" >/dev/null
    for c in 4 16; do
      printf 'pgbench create_case.sql concurrency=%s: ' "$c"
      pgbench -n -c "$c" -j 2 -T "$SECONDS_PER_RUN" -f bench/create_case.sql "$url" 2>/dev/null \
        | awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "tps=%.0f latency_avg_ms=%s\n", tps, lat}'
    done
  fi
  load --scenario health --concurrency 16 --seconds "$SECONDS_PER_RUN"
  load --scenario due-date --concurrency 16 --seconds "$SECONDS_PER_RUN"
  stop_server

  echo
  echo "== $backend, $MIXED_CASES seeded cases"
  case $backend in
    sqlite) url="sqlite://$WORK/mixed.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_bench' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_bench' >/dev/null
      url="$PG_URL/council_feedback_bench" ;;
  esac
  DATABASE_URL="$url" DATA_DIR="$WORK/data" JWT_SECRET="$SECRET" \
    ./target/release/council-feedback seed --cases "$MIXED_CASES" --seed 1 2>/dev/null
  start_server "$url"
  load --scenario mixed --concurrency 16 --seconds "$SECONDS_PER_RUN"
  load --scenario mixed --concurrency 16 --rate 300 --seconds "$SECONDS_PER_RUN"
  load --scenario mixed --concurrency 16 --rate 600 --seconds "$SECONDS_PER_RUN"
  stop_server
done
