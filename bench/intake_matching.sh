#!/usr/bin/env bash
# Matching a new case to a person, and finding its possible duplicates (issue 14), on 1,000,000
# cases and 400,000 people on each backend: the statements intake runs (as diesel writes them,
# kept prepared), timed at random people, with PostgreSQL's plans (EXPLAIN ANALYZE) and SQLite's (EXPLAIN QUERY
# PLAN) to show each goes through its index. The data is loaded in SQL (about 1.5 minutes a
# backend): every person has 2 or 3 cases, customers.person_id set, as start-up's matching
# leaves them.
#
#   bash bench/intake_matching.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-council_feedback_intake}
SQLITE=${SQLITE:-/tmp/$DB.db}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}

cargo build --quiet --bin council-feedback
BIN=${CARGO_TARGET_DIR:-target}/debug/council-feedback
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); commit $(git rev-parse --short HEAD)"
psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATA_DIR=$DATA DATABASE_URL="$PG_URL/$DB" "$BIN" migrate >/dev/null
psql -q "$PG_URL/$DB" -f bench/intake/load_postgres.sql | grep -E '^Time' || true
psql "$PG_URL/$DB" -f bench/intake/explain_postgres.sql
for script in match duplicates; do
  echo "== PostgreSQL, $script, ${SECONDS_PER_RUN}s at random people"
  pgbench -n -r -M prepared -c 1 -T "$SECONDS_PER_RUN" -f "bench/intake/${script}_postgres.sql" "$PG_URL/$DB" \
    | grep -E 'latency average|tps|^ +[0-9.]+ +[0-9]+ +SELECT'
done

rm -f "$SQLITE"*
DATA_DIR=$DATA DATABASE_URL="sqlite://$SQLITE" "$BIN" migrate >/dev/null
sqlite3 "$SQLITE" < bench/intake/load_sqlite.sql >/dev/null
echo "== SQLite"
python3 bench/intake/time_sqlite.py "$SQLITE"
