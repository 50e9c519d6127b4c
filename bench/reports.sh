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
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "cases: $REPORT_CASES received $FROM to $TODAY; annual report for $FY/$(( (FY + 1) % 100 ))"

time_it() {
  local name=$1 accept=$2 path=$3
  local times
  times=$(for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
      -H "Accept: $accept" "http://127.0.0.1:$PORT$path"
  done | sort -n)
  printf '%-34s median_s=%s max_s=%s\n' "$name" "$(sed -n 3p <<<"$times")" "$(tail -1 <<<"$times")"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/reports.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_reports' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_reports' >/dev/null
      url="$PG_URL/council_feedback_reports" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo
  echo "== $backend"
  DATABASE_URL="$url" DATA_DIR="$WORK/data" JWT_SECRET="$SECRET" \
    "$BIN" seed --cases "$REPORT_CASES" --seed 1 --from "$FROM" --to "$TODAY" 2>/dev/null
  RUST_LOG=warn APP_ENV=production JWT_SECRET="$SECRET" DATABASE_URL="$url" DATA_DIR="$WORK/data" \
    BIND_ADDRESS="127.0.0.1:$PORT" "$BIN" > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  TOKEN=$(JWT_SECRET="$SECRET" DATA_DIR="$WORK/data" "$BIN" token --sub cm-1 --role complaints_manager)
  time_it "annual report, JSON" application/json "/api/v1/reports/annual?year=$FY"
  time_it "annual report, CSV" text/csv "/api/v1/reports/annual?year=$FY"
  time_it "annual report, HTML" text/html "/api/v1/reports/annual?year=$FY&suppress_below=5"
  time_it "performance, 3 years by month" application/json "/api/v1/reports/performance?from=$FROM&to=$TODAY&group_by=month"
  time_it "digest, one month" application/json "/api/v1/reports/digest?from=$FY-10-01&to=$FY-10-31"
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
done
