#!/usr/bin/env bash
# Times the daily retention pass (issue 15) on a seeded database: N cases (default 1,000,000)
# seeded, the schedule set to one year for every kind, and --as-of chosen so that the oldest
# DUE finished cases (default 100,000) are past it. Prints the seeding time, then the pass's
# wall time, peak memory (max RSS) and what it did; then the same pass again, when nothing is
# left due (the cost of the daily look on its own).
#
#   bash bench/retention.sh                          # PostgreSQL, 1,000,000 cases, 100,000 due
#   CASES=100000 DUE=10000 bash bench/retention.sh
#   BACKENDS="postgres sqlite" bash bench/retention.sh
#   BIN=/path/to/council-feedback bash bench/retention.sh
#
# Needs a PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432); its database
# council_feedback_retention is recreated.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-postgres}
CASES=${CASES:-1000000}
DUE=${DUE:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=$(mktemp -d /tmp/cf-retention.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin council-feedback
  BIN=./target/release/council-feedback
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' with uncommitted changes to src/ or migrations/')"
echo "cases: $CASES received 2024-01-01 to 2026-11-30 (seed 1); due: the oldest $DUE finished"

# The day the DUE-th finished case closed (by the timeline, as the pass reads it).
CLOSED_AT="SELECT CAST(d AS DATE) FROM (SELECT (SELECT MAX(e.occurred_at) FROM case_events e \
  WHERE e.case_id = c.id AND e.event_type IN ('closed', 'withdrawn', 'triaged')) AS d \
  FROM cases c WHERE c.status NOT IN ('received', 'open')) x WHERE d IS NOT NULL \
  ORDER BY d LIMIT 1 OFFSET $((DUE - 1))"

for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/retention.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS council_feedback_retention' >/dev/null
      psql "$PG_URL/postgres" -qc 'CREATE DATABASE council_feedback_retention' >/dev/null
      url="$PG_URL/council_feedback_retention" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo
  echo "== $backend"
  export DATABASE_URL=$url DATA_DIR=$WORK RUST_LOG=warn
  export RETENTION_ANONYMISE_AFTER="complaint=1y,compliment=1y,comment=1y" RETENTION_DOCUMENTS_AFTER=1y
  "$BIN" seed --cases "$CASES" --seed 1 --from 2024-01-01 --to 2026-11-30 2>/dev/null
  case $backend in
    sqlite) closed=$(sqlite3 "$WORK/retention.db" "${CLOSED_AT//CAST(d AS DATE)/date(d)}") ;;
    postgres) closed=$(psql "$url" -Atc "$CLOSED_AT") ;;
  esac
  as_of=$(date -u -d "$closed + 1 year" +%F)
  echo "as of $as_of (the ${DUE}th finished case closed on $closed)"
  for run in first again; do
    /usr/bin/time -f "$run pass: wall_s=%e max_rss_kib=%M" "$BIN" retention run --as-of "$as_of"
  done
done
