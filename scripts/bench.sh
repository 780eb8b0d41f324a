#!/usr/bin/env bash
# `make bench`: the member directory benchmark (bench/bench_directory.py) on a throwaway database.
#
#   make bench                          # SQLite in a temporary directory
#   BENCH_DB=postgres make bench        # a throwaway PostgreSQL cluster (scripts/pg_cluster.sh)
#   BENCH_DB=all make bench             # both, one after the other
#   DATABASE_URL=postgres://... make bench   # your own EMPTY PostgreSQL database
#   BENCH_MEMBERS=20000 BENCH_RUNS=10 make bench
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MEMBERS="${BENCH_MEMBERS:-200000}"
RUNS="${BENCH_RUNS:-30}"
BENCH_DB="${BENCH_DB:-${DATABASE_URL:+url}}"
BENCH_DB="${BENCH_DB:-sqlite}"

run() { $BIN/python bench/bench_directory.py --members "$MEMBERS" --runs "$RUNS" "$@"; }

case "$BENCH_DB" in
  url) run "$@" ;;
  sqlite) env -u DATABASE_URL "$BIN/python" bench/bench_directory.py --members "$MEMBERS" --runs "$RUNS" "$@" ;;
  postgres|all)
    if [ "$BENCH_DB" = all ]; then
      env -u DATABASE_URL "$BIN/python" bench/bench_directory.py --members "$MEMBERS" --runs "$RUNS" "$@"
    fi
    source scripts/pg_cluster.sh
    pg_cluster_start
    pg_cluster_createdb coproduce_bench
    DATABASE_URL="$(pg_cluster_url coproduce_bench)" run "$@"
    ;;
  *) echo "BENCH_DB must be sqlite, postgres or all, not $BENCH_DB" >&2; exit 2 ;;
esac
