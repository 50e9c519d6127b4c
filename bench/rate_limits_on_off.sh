#!/usr/bin/env bash
# What the rate limiter costs public intake (issue 16 §4): POST /api/v1/cases as public callers
# at concurrency 16, with the rate limits on (set high enough never to refuse, so the figures
# are the limiter's cost, not its refusals) and off, alternately, ROUNDS times each, each run
# on a fresh database, so the machine's noise hits both alike. Prints each run's requests per
# second and p99 and, per side, the medians.
#
#   bash bench/rate_limits_on_off.sh
#   BACKENDS=sqlite ROUNDS=5 SECONDS_PER_RUN=10 ROLE=web_form bash bench/rate_limits_on_off.sh
#
# ROLE is the public callers' role (bench_http's --role): customer (default), or web_form, the
# council website's backend filing for residents without an account (issue 16's figure). No
# mail provider is configured, so no case link is sent: the figures are intake and the limiter.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"sqlite postgres"}
CONCURRENCY=${CONCURRENCY:-16}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
ROLE=${ROLE:-customer}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18083}
# Another run on the same machine needs its own PORT and DB_PREFIX.
DB_PREFIX=${DB_PREFIX:-council_feedback_limits}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-limits.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http
BIN=./target/release/council-feedback

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/'), role: $ROLE, concurrency: $CONCURRENCY"

fresh_database() {
  local backend=$1 name=$2
  case $backend in
    sqlite)
      rm -f "$WORK/$name.db"*
      echo "sqlite://$WORK/$name.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS ${DB_PREFIX}_$name" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE ${DB_PREFIX}_$name" >/dev/null
      echo "$PG_URL/${DB_PREFIX}_$name" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
}

# The limits on: a million per client and per address an hour, far above what a run sends, so
# every request is checked and none refused. Off: RATE_LIMITS=off.
start_server() {
  local url=$1 side=$2
  local limits=(RATE_LIMITS=on RATE_LIMIT_PER_CLIENT=1000000 RATE_LIMIT_PER_IP=1000000 RATE_LIMIT_WINDOW=1h)
  [ "$side" = off ] && limits=(RATE_LIMITS=off)
  env RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$side" \
    BIND_ADDRESS="127.0.0.1:$PORT" "${limits[@]}" "$BIN" > "$WORK/server-$side.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the $side server did not start:" >&2
  cat "$WORK/server-$side.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for backend in $BACKENDS; do
  echo
  echo "== $backend, concurrency $CONCURRENCY, $ROUNDS rounds of ${SECONDS_PER_RUN}s, on then off"
  for side in on off; do : > "$WORK/$side.rps"; : > "$WORK/$side.p99"; done
  for round in $(seq 1 "$ROUNDS"); do
    for side in on off; do
      url=$(fresh_database "$backend" "$side")
      start_server "$url" "$side"
      out=$(./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" \
        --scenario intake --role "$ROLE" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" | tr '\n' ' ')
      stop_server
      echo "round $round limits $side: $out"
      echo "$out" | grep -oE ' rps=[0-9.]+' | tail -1 | cut -d= -f2 >> "$WORK/$side.rps"
      echo "$out" | grep -oE ' p99_ms=[0-9.]+' | tail -1 | cut -d= -f2 >> "$WORK/$side.p99"
      if echo "$out" | grep -qE 'statuses=.*429'; then
        echo "error: a request was refused 429: the limits are meant never to trigger here" >&2
        exit 1
      fi
    done
  done
  on_rps=$(median < "$WORK/on.rps"); off_rps=$(median < "$WORK/off.rps")
  printf 'median rps: on %s, off %s (on/off %s); median p99 ms: on %s, off %s\n' \
    "$on_rps" "$off_rps" "$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN {printf "%.3f", a / b}')" \
    "$(median < "$WORK/on.p99")" "$(median < "$WORK/off.p99")"
done
