#!/usr/bin/env bash
# What counting requests for /metrics costs: a hot GET of one case (the cheapest read that
# reaches the database), with METRICS_BIND_ADDRESS unset and set, side by side in one run. For
# each backend, ROUNDS rounds of off then on, each a fresh server on the same database, so the
# machine's noise hits both alike; wrk drives the load. Prints each run and, per side, the median.
#
#   bash bench/metrics_overhead.sh
#   BACKENDS=sqlite ROUNDS=5 SECONDS_PER_RUN=10 CONNECTIONS=16 bash bench/metrics_overhead.sh
#
# Needs wrk (apt-get install wrk) and, for PostgreSQL, a server at PG_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"sqlite postgres"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-16}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18082}
METRICS_PORT=${METRICS_PORT:-19188}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-metrics.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release --quiet --bin council-feedback
BIN=./target/release/council-feedback

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')"
echo "load: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, GET /api/v1/cases/{reference} as the complaints manager"

start_server() {
  local url=$1 metrics=$2
  local extra=()
  if [ "$metrics" = on ]; then extra=(METRICS_BIND_ADDRESS="127.0.0.1:$METRICS_PORT"); fi
  env RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" "${extra[@]}" "$BIN" serve > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do
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

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/metrics.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_metrics_bench' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_metrics_bench' >/dev/null
      url="$PG_URL/council_feedback_metrics_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  TOKEN=$(JWT_SECRET="$SECRET" DATA_DIR="$WORK/data" DATABASE_URL="$url" \
    "$BIN" token --sub cm-bench --role complaints_manager)
  start_server "$url" off
  REFERENCE=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/cases" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"kind": "complaint", "channel": "telephone", "service": "waste-care",
         "summary": "Green bin missed three weeks running",
         "description": "Our green bin has been missed on the last three collection days.",
         "customer": {"name": "Alice Example", "email": "alice@example.org"}}' |
    sed -E 's/.*"reference":"([^"]+)".*/\1/')
  stop_server
  echo
  echo "== $backend, case $REFERENCE, $ROUNDS rounds"
  : > "$WORK/off.rates"; : > "$WORK/on.rates"
  for round in $(seq 1 "$ROUNDS"); do
    for metrics in off on; do
      start_server "$url" "$metrics"
      # A warm-up, not counted.
      wrk -t2 -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/api/v1/cases/$REFERENCE" >/dev/null
      out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/api/v1/cases/$REFERENCE")
      rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
      echo "round $round metrics=$metrics rps=$rate p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
      echo "$rate" >> "$WORK/$metrics.rates"
      if [ "$metrics" = on ]; then
        counted=$(curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" |
          awk '/^council_feedback_http_requests_total\{method="GET",route="\/api\/v1\/cases\/\{reference\}",status="200"\}/ {print $2}')
        echo "  /metrics counted $counted GETs of the case"
      fi
      stop_server
    done
  done
  echo "median metrics=off: $(median < "$WORK/off.rates") requests/s"
  echo "median metrics=on:  $(median < "$WORK/on.rates") requests/s"
done
