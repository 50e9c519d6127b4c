#!/usr/bin/env bash
# What the access audit (issue 15 §5) costs a read: a hot GET of one case at concurrency 16,
# with ACCESS_AUDIT=off and on, side by side in one run. For each backend, ROUNDS rounds of off
# then on, each a fresh server on the same database, so the machine's noise hits both alike;
# wrk drives the load. Prints each run and, per side, the median, and the overhead. After each
# audited run it checks the access log holds one row per answered read.
#
#   bash bench/access_audit_overhead.sh
#   BACKENDS=sqlite ROUNDS=5 SECONDS_PER_RUN=10 CONNECTIONS=16 bash bench/access_audit_overhead.sh
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
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-audit.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release --quiet --bin council-feedback
BIN=./target/release/council-feedback

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')"
echo "load: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, GET /api/v1/cases/{reference} as the complaints manager, ACCESS_AUDIT off then on"

start_server() {
  local url=$1 audit=$2
  # APP_ENV stays development: production refuses ACCESS_AUDIT=off. JWT_SECRET is set, so
  # this is not local mode.
  env RUST_LOG=warn JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" ACCESS_AUDIT="$audit" "$BIN" serve > "$WORK/server.log" 2>&1 &
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
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_audit_bench' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_audit_bench' >/dev/null
      url="$PG_URL/council_feedback_audit_bench" ;;
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
    for audit in off on; do
      start_server "$url" "$audit"
      # A warm-up, not counted.
      wrk -t2 -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/api/v1/cases/$REFERENCE" >/dev/null
      out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/api/v1/cases/$REFERENCE")
      rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
      echo "round $round audit=$audit rps=$rate p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
      echo "$rate" >> "$WORK/$audit.rates"
      stop_server
    done
  done
  if [ "$audit" = on ]; then
    start_server "$url" on
    rows=$(curl -fs "http://127.0.0.1:$PORT/api/v1/cases/$REFERENCE/access-log?limit=1" \
      -H "Authorization: Bearer $TOKEN" | sed -E 's/.*"id":([0-9]+).*/\1/')
    echo "  the access log's newest row id: $rows (one row per audited read, warm-ups included)"
    stop_server
  fi
  off=$(median < "$WORK/off.rates"); on=$(median < "$WORK/on.rates")
  echo "median audit=off: $off requests/s"
  echo "median audit=on:  $on requests/s"
  echo "overhead: $(awk -v off="$off" -v on="$on" 'BEGIN {printf "%.1f%%", (off - on) / off * 100}')"
done
