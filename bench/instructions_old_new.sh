#!/usr/bin/env bash
# Instructions the service runs per request, an old binary and this tree's side by side, counted
# by valgrind's callgrind: the same count for the same binary and requests however busy the
# machine is (time in the kernel and waiting on the disk are not counted). Each binary runs on a
# fresh database under callgrind with counting off; a few seconds of the scenario warm it up,
# then counting is switched on for SECONDS_PER_RUN at RATE requests a second from 2 clients.
# SCENARIO=create (the default) logs complaints from PEOPLE people; SCENARIO=mixed is the
# council's mixed day (creates, reads, lists and changes) on SEED_CASES cases each binary
# seeds first. The profiles are kept (WORK) for callgrind_annotate. On SQLite the database
# engine runs in the service's process and is counted; on PostgreSQL only the service is.
#
#   OLD=/path/to/old/council-feedback bash bench/instructions_old_new.sh
#   OLD=... BACKENDS=postgres SCENARIO=mixed bash bench/instructions_old_new.sh
#   callgrind_annotate --inclusive=yes /tmp/cf-instructions/new-sqlite.out | head -60
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${OLD:?set OLD to the old council-feedback binary}
BACKENDS=${BACKENDS:-"sqlite postgres"}
RATE=${RATE:-15}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
PEOPLE=${PEOPLE:-400000}
SCENARIO=${SCENARIO:-create}
SEED_CASES=${SEED_CASES:-5000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18094}
DB_PREFIX=${DB_PREFIX:-council_feedback_instructions}
WORK=${WORK:-/tmp/cf-instructions}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)"; exit 1; }
trap 'kill "${SERVER:-0}" 2>/dev/null || true' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http
NEW=${NEW:-./target/release/council-feedback}
BENCH=./target/release/examples/bench_http
mkdir -p "$WORK"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(valgrind --version)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $NEW ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')), old: $OLD, scenario: $SCENARIO, rate: $RATE/s for ${SECONDS_PER_RUN}s"

for backend in $BACKENDS; do
  for side in old new; do
    binary=$OLD; [ "$side" = new ] && binary=$NEW
    rm -rf "$WORK/$side-$backend".*
    case $backend in
      sqlite) url="sqlite://$WORK/$side-$backend.db" ;;
      postgres)
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS ${DB_PREFIX}_$side" >/dev/null 2>&1
        psql "$PG_URL/postgres" -qc "CREATE DATABASE ${DB_PREFIX}_$side" >/dev/null
        url="$PG_URL/${DB_PREFIX}_$side" ;;
    esac
    if [ "$SCENARIO" = mixed ]; then
      DATABASE_URL="$url" DATA_DIR="$WORK/$side-$backend.data" JWT_SECRET="$SECRET" \
        "$binary" seed --cases "$SEED_CASES" --seed 1 >/dev/null 2>&1
    fi
    out_file="$WORK/$side-$backend.out"
    RATE_LIMITS=off RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" \
      DATA_DIR="$WORK/$side-$backend.data" BIND_ADDRESS="127.0.0.1:$PORT" \
      valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out_file" "$binary" \
      > "$WORK/$side-$backend.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
    "$BENCH" --url "http://127.0.0.1:$PORT" --secret "$SECRET" --scenario "$SCENARIO" \
      --concurrency 2 --seconds 5 --warmup 0 --people "$PEOPLE" >/dev/null
    callgrind_control -i on "$SERVER" >/dev/null 2>&1
    out=$("$BENCH" --url "http://127.0.0.1:$PORT" --secret "$SECRET" --scenario "$SCENARIO" \
      --concurrency 2 --seconds "$SECONDS_PER_RUN" --warmup 0 --rate "$RATE" --seed 1 --people "$PEOPLE")
    callgrind_control -i off "$SERVER" >/dev/null 2>&1
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    # The mixed scenario prints a line per operation first: its last line is the whole run's.
    out=$(echo "$out" | tail -1)
    n=$(echo "$out" | grep -oE 'requests=[0-9]+' | cut -d= -f2)
    ir=$(callgrind_annotate "$out_file" 2>/dev/null | grep "PROGRAM TOTALS" | head -1 | awk '{gsub(",", "", $1); print $1}' || true)
    echo "$backend $side: requests=$n instructions=$ir instructions_per_request=$((ir / n)) $(echo "$out" | grep -oE 'statuses=.*')"
  done
done
