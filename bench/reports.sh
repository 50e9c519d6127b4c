#!/usr/bin/env bash
# Times the reports on a seeded database: the annual report (JSON, CSV and
# HTML) for the last full financial year, the performance report grouped by
# month over three years, and the member digest. Prints the seeding time and,
# for each report, the median and slowest of five requests.
#
#   bash bench/reports.sh                       # 100,000 cases, both backends
#   REPORT_CASES=1000000 bash bench/reports.sh  # issue 5's million
#   BACKENDS=sqlite bash bench/reports.sh
#   BIN=/tmp/old/target/release/council-feedback bash bench/reports.sh  # another binary
#   SEEDED=sqlite:///tmp/seeded.db bash bench/reports.sh  # a database seeded already
#       (by `council-feedback seed --from <FROM below> --to today`): not seeded again, so two
#       binaries can be timed on copies of one seed; SLOW_STATEMENT_MS=50 logs the slow
#       statements to the server's log, which is printed at the end
#
# Needs a PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432)
# for the PostgreSQL run; its database council_feedback_reports is recreated.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"sqlite postgres"}
REPORT_CASES=${REPORT_CASES:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18082}
SECRET="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
WORK=$(mktemp -d /tmp/cf-reports.XXXXXX)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# BIN=/path/to/another/council-feedback times that binary instead (an old one, side by side).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin council-feedback
  BIN=./target/release/council-feedback
fi
TODAY=$(date -u +%F)
YEAR=$(date -u +%Y); MONTH=$(date -u +%-m)
# The last financial year that has ended (1 April to 31 March).
if [ "$MONTH" -ge 4 ]; then FY=$((YEAR - 1)); else FY=$((YEAR - 2)); fi
FROM="$((FY - 1))-04-01"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')"
if [ -n "${SEEDED:-}" ]; then
  echo "cases: as seeded in ${SEEDED%%\?*} (not seeded again); annual report for $FY/$(( (FY + 1) % 100 ))"
else
  echo "cases: $REPORT_CASES received $FROM to $TODAY; annual report for $FY/$(( (FY + 1) % 100 ))"
fi

time_it() {
  local name=$1 accept=$2 path=$3
  local times
  times=$(for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
      -H "Accept: $accept" "http://127.0.0.1:$PORT$path"
  done | sort -n)
  printf '%-34s median_s=%s max_s=%s\n' "$name" "$(sed -n 3p <<<"$times")" "$(tail -1 <<<"$times")"
}

if [ -n "${SEEDED:-}" ]; then
  case $SEEDED in postgres*) BACKENDS=postgres ;; *) BACKENDS=sqlite ;; esac
fi
for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/reports.db" ;;
    postgres)
      if [ -z "${SEEDED:-}" ]; then
        psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_reports' >/dev/null
        psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_reports' >/dev/null
      fi
      url="$PG_URL/council_feedback_reports" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo
  echo "== $backend"
  if [ -n "${SEEDED:-}" ]; then
    url=$SEEDED
  else
    DATABASE_URL="$url" DATA_DIR="$WORK/data" JWT_SECRET="$SECRET" \
      "$BIN" seed --cases "$REPORT_CASES" --seed 1 --from "$FROM" --to "$TODAY" 2>/dev/null
  fi
  started=$(date +%s.%N)
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    BIND_ADDRESS="127.0.0.1:$PORT" "$BIN" > "$WORK/server.log" 2>&1 &
  SERVER=$!
  # Start-up may first rebuild the projections (a database from other code): wait for it.
  for _ in $(seq 1 6000); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.1
  done
  printf '%-34s %.1f s\n' "start-up, ready" "$(echo "$(date +%s.%N) - $started" | bc)"
  TOKEN=$(JWT_SECRET="$SECRET" DATA_DIR="$WORK/data" "$BIN" token --sub cm-1 --role complaints_manager)
  time_it "annual report, JSON" application/json "/api/v1/reports/annual?year=$FY"
  time_it "annual report, CSV" text/csv "/api/v1/reports/annual?year=$FY"
  time_it "annual report, HTML" text/html "/api/v1/reports/annual?year=$FY&suppress_below=5"
  time_it "performance, 3 years by month" application/json "/api/v1/reports/performance?from=$FROM&to=$TODAY&group_by=month"
  time_it "digest, one month" application/json "/api/v1/reports/digest?from=$FY-10-01&to=$FY-10-31"
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  if [ -n "${SLOW_STATEMENT_MS:-}" ]; then
    echo "-- statements of at least $SLOW_STATEMENT_MS ms:"
    grep 'slow statement' "$WORK/server.log" | sed 's/^.*slow statement: //' | cut -c1-300 || true
  fi
done
