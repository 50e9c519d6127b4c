#!/usr/bin/env bash
# CPU time the service spends per create, an old binary and this tree's side by side: each runs
# on a fresh database at a fixed rate (RATE creates a second from 4 clients, well under what
# either can do), and the service process's user+system time over the run is divided by the
# creates answered. Unlike requests a second at full speed, this hardly moves when other work
# shares the machine, so two builds can be compared on a busy one. On SQLite the database
# engine runs in the service's process and is counted; on PostgreSQL the server's processes
# serving the bench's database are counted apart (pg_server_cpu_ms_per_request).
#
#   OLD=/path/to/old/council-feedback PEOPLE=400000 bash bench/creates_cpu_old_new.sh
#   OLD=... BACKENDS=sqlite ROUNDS=5 RATE=150 SECONDS_PER_RUN=8 bash bench/creates_cpu_old_new.sh
#   OLD=... NEW=/path/to/a/later/council-feedback bash bench/creates_cpu_old_new.sh
#   OLD=... SCENARIO=mixed SEED_CASES=20000 bash bench/creates_cpu_old_new.sh
#
# SCENARIO=mixed measures the council's mixed day instead (creates, reads, lists and changes,
# CPU per request), on SEED_CASES cases each binary seeds first.
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${OLD:?set OLD to the old council-feedback binary}
BACKENDS=${BACKENDS:-"sqlite postgres"}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-150}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
PEOPLE=${PEOPLE:-}
SCENARIO=${SCENARIO:-create}
SEED_CASES=${SEED_CASES:-20000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18093}
DB_PREFIX=${DB_PREFIX:-council_feedback_cpu}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-cpu.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http
# NEW=/path/to/another/council-feedback compares two old binaries (this tree's by default).
NEW=${NEW:-./target/release/council-feedback}
TICKS=$(getconf CLK_TCK)

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $NEW ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')), old: $OLD, people: ${PEOPLE:-100 accounts, 1000 contacts}, rate: $RATE/s"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The processes' user+system ticks added up (those gone since are left out).
pg_ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(cpu_ticks "$p"))); done; echo $t; }

for round in $(seq 1 "$ROUNDS"); do
  for backend in $BACKENDS; do
    for side in old new; do
      binary=$OLD; [ "$side" = new ] && binary=$NEW
      case $backend in
        sqlite) rm -f "$WORK/$side.db"*; url="sqlite://$WORK/$side.db" ;;
        postgres)
          psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS ${DB_PREFIX}_$side" >/dev/null 2>&1
          psql "$PG_URL/postgres" -qc "CREATE DATABASE ${DB_PREFIX}_$side" >/dev/null
          url="$PG_URL/${DB_PREFIX}_$side" ;;
      esac
      if [ "$SCENARIO" = mixed ]; then
        DATABASE_URL="$url" DATA_DIR="$WORK/data-$side" JWT_SECRET="$SECRET" \
          "$binary" seed --cases "$SEED_CASES" --seed 1 >/dev/null 2>&1
      fi
      # Rate limits off (binaries from before issue 16 ignore it): every bench request comes from
      # one address, so from the 500th on the public intake would answer 429 for a fraction of
      # the work, and the CPU per request would look smaller than it is.
      RATE_LIMITS=off RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$side" \
        BIND_ADDRESS="127.0.0.1:$PORT" "$binary" > "$WORK/server.log" 2>&1 &
      SERVER=$!
      for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
      # Three seconds' warm-up at full speed, not counted; the counted run has another seed, so
      # it does not repeat the warm-up's cases (each would be a duplicate of one). Three, so
      # the tables ANALYZE sees hold thousands of rows, not hundreds (bench/creates_old_new.sh).
      ./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" --scenario "$SCENARIO" \
        --concurrency 4 --seconds 3 --warmup 0 ${PEOPLE:+--people "$PEOPLE"} >/dev/null
      # PostgreSQL: ANALYZE after the warm-up, as a database in service has its statistics (see
      # bench/creates_old_new.sh: plans made on the empty tables would scan them whole).
      [ "$backend" = postgres ] && psql "$PG_URL/${DB_PREFIX}_$side" -qc "ANALYZE" >/dev/null
      # PostgreSQL: its server's processes serving this database are counted apart.
      pg_pids=
      [ "$backend" = postgres ] && pg_pids=$(psql "$PG_URL/postgres" -Atc \
        "SELECT pid FROM pg_stat_activity WHERE datname = '${DB_PREFIX}_$side'" | tr '\n' ' ')
      before=$(cpu_ticks "$SERVER")
      pg_before=$(pg_ticks $pg_pids)
      out=$(./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" --scenario "$SCENARIO" \
        --concurrency 4 --seconds "$SECONDS_PER_RUN" --warmup 0 --rate "$RATE" --seed 1 ${PEOPLE:+--people "$PEOPLE"})
      after=$(cpu_ticks "$SERVER")
      pg_after=$(pg_ticks $pg_pids)
      kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
      out=$(echo "$out" | tail -1) # mixed: a line per operation first
      n=$(echo "$out" | grep -oE 'requests=[0-9]+' | cut -d= -f2)
      echo "round $round $backend $side: requests=$n cpu_ms_per_request=$(awk -v t=$((after - before)) -v n="$n" -v hz="$TICKS" 'BEGIN {printf "%.3f", t * 1000 / hz / n}')$([ "$backend" = postgres ] && awk -v t=$((pg_after - pg_before)) -v n="$n" -v hz="$TICKS" 'BEGIN {printf " pg_server_cpu_ms_per_request=%.3f", t * 1000 / hz / n}') $(echo "$out" | grep -oE 'p50_ms=[0-9.]+') $(echo "$out" | grep -oE 'statuses=.*')"
    done
  done
done
