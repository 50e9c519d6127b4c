#!/usr/bin/env bash
# Webhook delivery measured at a local receiver (issue 12): deliveries a second when many
# events are waiting (one endpoint, then several), and the latency from commit to delivery
# at a steady 100 events a second. With BEFORE set, that binary runs each measurement just
# before this tree's, on a fresh database each, so the machine's noise hits both alike.
#
#   bash bench/webhooks.sh
#   BEFORE=/path/to/earlier/council-feedback bash bench/webhooks.sh
#   BACKENDS=postgres EVENTS=5000 ENDPOINTS="1 4" RATE=100 LATENCY_SECONDS=30 bash bench/webhooks.sh
#
# Needs a PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432) for the
# PostgreSQL runs; its database council_feedback_webhooks is recreated for each run.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"postgres sqlite"}
EVENTS=${EVENTS:-5000}
ENDPOINTS=${ENDPOINTS:-"1 4"}
RATE=${RATE:-100}
LATENCY_SECONDS=${LATENCY_SECONDS:-30}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18083}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-webhooks.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_webhooks
NEW=./target/release/council-feedback

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/'), before: ${BEFORE:-none}"

fresh_database() {
  case $1 in
    sqlite)
      rm -f "$WORK/webhooks.db"*
      echo "sqlite://$WORK/webhooks.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS council_feedback_webhooks" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE council_feedback_webhooks" >/dev/null
      echo "$PG_URL/council_feedback_webhooks" ;;
    *) echo "unknown backend $1" >&2; exit 2 ;;
  esac
}

start_server() {
  local binary=$1 url=$2
  # A long wait for a connection: on a loaded machine the pool can be slow to open.
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    RATE_LIMITS=off BIND_ADDRESS="127.0.0.1:$PORT" WEBHOOK_ALLOWED_TARGETS=127.0.0.1 JOBS_POLL_INTERVAL=100ms DATABASE_TIMEOUT_MS=10000 \
    "$binary" > "$WORK/server.log" 2>&1 &
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

run() {
  local side=$1 binary=$2 backend=$3; shift 3
  local url
  url=$(fresh_database "$backend")
  start_server "$binary" "$url"
  out=$(./target/release/examples/bench_webhooks --url "http://127.0.0.1:$PORT" --secret "$SECRET" \
    --database-url "$url" "$@" | tr '\n' ' ')
  stop_server
  echo "$side: $out"
}

for backend in $BACKENDS; do
  for endpoints in $ENDPOINTS; do
    echo
    echo "== $backend, throughput: $EVENTS events waiting, $endpoints endpoint(s)"
    [ -n "${BEFORE:-}" ] && run before "$BEFORE" "$backend" --mode throughput --events "$EVENTS" --endpoints "$endpoints"
    run new "$NEW" "$backend" --mode throughput --events "$EVENTS" --endpoints "$endpoints"
  done
  echo
  echo "== $backend, latency: $RATE events/s for ${LATENCY_SECONDS}s, one endpoint"
  [ -n "${BEFORE:-}" ] && run before "$BEFORE" "$backend" --mode latency --rate "$RATE" --seconds "$LATENCY_SECONDS"
  run new "$NEW" "$backend" --mode latency --rate "$RATE" --seconds "$LATENCY_SECONDS"
done
