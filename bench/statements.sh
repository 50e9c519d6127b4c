#!/usr/bin/env bash
# Counts the SQL statements each request of one complaint's whole life runs
# (issue 10), on SQLite and, if PostgreSQL answers at PG_URL, on PostgreSQL.
# docs/PERFORMANCE.md records the latest tables.
#
#   bash bench/statements.sh              # both backends, tables only
#   SQL=1 bash bench/statements.sh        # and every statement of every step
#   BACKENDS=sqlite bash bench/statements.sh   # skip PostgreSQL
#   PRESET=dudley_2019 bash bench/statements.sh
#
# The service runs in process (examples/bench_statements.rs) on a fresh SQLite
# file and in a fresh PostgreSQL schema, dropped afterwards. Counts do not
# depend on the machine's speed: run it on any commit to compare.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}

cargo build --release --quiet --example bench_statements

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations 2>/dev/null || echo ' (with uncommitted changes to src/ or migrations/)')"

args=()
[ -n "${SQL:-}" ] && args+=(--sql)
[ -n "${PRESET:-}" ] && args+=(--preset "$PRESET")

pg=
case " $BACKENDS " in
  *" postgres "*)
    if command -v pg_isready >/dev/null && pg_isready -q -d "$PG_URL" 2>/dev/null; then
      pg=$PG_URL
      echo "postgresql: $(psql "$PG_URL" -Atc 'SHOW server_version' 2>/dev/null || echo '?') at ${PG_URL%%\?*}"
    else
      echo "postgresql: nothing answers at $PG_URL; SQLite only"
    fi ;;
esac

RUST_LOG=warn PG_URL="$pg" ./target/release/examples/bench_statements "${args[@]}"
