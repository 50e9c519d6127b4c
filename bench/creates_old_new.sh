#!/usr/bin/env bash
# Creates over HTTP, an old binary and this tree's side by side in one run: for each backend and
# concurrency, ROUNDS rounds of old then new, each on a fresh database, so the machine's noise
# hits both alike. Prints each run's figures and, per side, the median of the rounds.
#
#   OLD=/path/to/old/council-feedback bash bench/creates_old_new.sh
#   OLD=... BACKENDS=sqlite ROUNDS=5 SECONDS_PER_RUN=10 bash bench/creates_old_new.sh
#   OLD=... PEOPLE=400000 bash bench/creates_old_new.sh   # creates from 400,000 people
#   OLD=... NEW=/path/to/a/later/council-feedback bash bench/creates_old_new.sh
#
# PEOPLE (bench_http's --people): unset, 100 accounts write under 1,000 contact details, so
# most complaints repeat one from seconds before (the duplicate check's worst case); set, the
# creates come from that many people, each with their own account and details.
#
# Build the old one from a worktree of the old commit:
#   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release --bin council-feedback)
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${OLD:?set OLD to the old council-feedback binary}
BACKENDS=${BACKENDS:-"sqlite postgres"}
CONCURRENCY=${CONCURRENCY:-"4 16"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
PEOPLE=${PEOPLE:-}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18081}
# Another run on the same machine needs its own PORT and DB_PREFIX.
DB_PREFIX=${DB_PREFIX:-council_feedback_creates}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-creates.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin council-feedback --example bench_http
# NEW=/path/to/another/council-feedback compares two old binaries (this tree's by default).
NEW=${NEW:-./target/release/council-feedback}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), new: $NEW ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')), old: $OLD, people: ${PEOPLE:-100 accounts, 1000 contacts}"

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

start_server() {
  local binary=$1 url=$2 name=$3
  # Rate limits off (binaries from before issue 16 ignore it): the bench's creates all come from
  # one address, and from the 500th on would be answered 429.
  RATE_LIMITS=off RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data-$name" \
    BIND_ADDRESS="127.0.0.1:$PORT" "$binary" > "$WORK/server-$name.log" 2>&1 &
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

# PostgreSQL: three seconds' creates, then ANALYZE, as a database in service has its statistics.
# On a fresh database each connection plans its statements on empty tables, keeps the generic
# plan PostgreSQL makes after five runs (a scan of the whole table, cheapest while it is empty)
# and reads every person on every create until the plan is dropped (seen: 19.5 million rows of
# people read in 6,000 creates); ANALYZE drops them. After one second's creates the tables held
# some 300 rows, still few enough for a whole-table scan to be the plan kept (seen for people
# and idempotency_records); after three, some 3,000, and the plans are those of a table in use.
warm_up_and_analyze() {
  [ "$1" = postgres ] || return 0
  ./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" \
    --scenario create --concurrency 4 --seconds 3 --warmup 0 --seed 99 ${PEOPLE:+--people "$PEOPLE"} >/dev/null
  psql "$PG_URL/${DB_PREFIX}_$2" -qc "ANALYZE" >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for backend in $BACKENDS; do
  for concurrency in $CONCURRENCY; do
    echo
    echo "== $backend, concurrency $concurrency, $ROUNDS rounds of ${SECONDS_PER_RUN}s"
    : > "$WORK/old.rates"; : > "$WORK/new.rates"
    for round in $(seq 1 "$ROUNDS"); do
      for side in old new; do
        url=$(fresh_database "$backend" "$side")
        if [ "$side" = old ]; then start_server "$OLD" "$url" old; else start_server "$NEW" "$url" new; fi
        warm_up_and_analyze "$backend" "$side"
        out=$(./target/release/examples/bench_http --url "http://127.0.0.1:$PORT" --secret "$SECRET" \
          --scenario create --concurrency "$concurrency" --seconds "$SECONDS_PER_RUN" ${PEOPLE:+--people "$PEOPLE"} | tr '\n' ' ')
        stop_server
        echo "round $round $side: $out"
        echo "$out" | grep -oE ' rps=[0-9.]+' | tail -1 | cut -d= -f2 >> "$WORK/$side.rates"
      done
    done
    printf 'median rps: old %s, new %s\n' "$(median < "$WORK/old.rates")" "$(median < "$WORK/new.rates")"
  done
done
