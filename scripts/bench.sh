#!/usr/bin/env bash
# `make bench`: the member directory benchmark (bench/bench_directory.py), the ledger
# benchmark (bench/bench_ledger.py), co-production (bench/bench_coproduction.py: the agency
# dashboard, confirming a register, the sessions page), render cost (bench/bench_pages.py: six
# demo pages beside /healthz on one gunicorn server), counting ranked ballots
# (bench/bench_counting.py, no database) and, on PostgreSQL only, listing search
# and matches at a million listings (bench/bench_listings.py), on throwaway databases.
# docs/benchmarks.md has the figures.
#
#   make bench                          # SQLite in a temporary directory, then a throwaway
#                                       # PostgreSQL cluster (scripts/pg_cluster.sh), with pgbench
#   BENCH_DB=sqlite make bench          # SQLite only (no PostgreSQL needed)
#   BENCH_DB=postgres make bench        # PostgreSQL only
#   DATABASE_URL=postgres://... make bench   # your own EMPTY PostgreSQL database (PGBENCH=… for pgbench)
#   BENCH=ledger make bench             # one benchmark only: directory, ledger, coproduction, pages, counting or listings
#   BENCH_MEMBERS=20000 BENCH_RUNS=10 make bench   # the directory benchmark's size
#   BENCH=ledger bash scripts/bench.sh --rounds 5  # arguments go to each benchmark that runs
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.venv/bin}"  # BIN=/path/to/venv/bin to use another virtualenv
MEMBERS="${BENCH_MEMBERS:-200000}"
RUNS="${BENCH_RUNS:-30}"
BENCH="${BENCH:-directory ledger coproduction pages counting listings}"
BENCH_DB="${BENCH_DB:-${DATABASE_URL:+url}}"
BENCH_DB="${BENCH_DB:-all}"

# One after the other in the same database; the directory benchmark wants it empty, so it goes first.
run() {
  for bench in $BENCH; do
    case "$bench" in
      directory) $BIN/python bench/bench_directory.py --members "$MEMBERS" --runs "$RUNS" "$@" ;;
      ledger) $BIN/python bench/bench_ledger.py "$@" ;;
      coproduction)  # in a database of its own on the throwaway cluster (it seeds its own community)
        if [ -n "${DATABASE_URL:-}" ] && [ -n "${PGBIN:-}" ] && [ -n "${PGPORT:-}" ]; then
          pg_cluster_createdb coproduce_bench_coproduction
          DATABASE_URL="$(pg_cluster_url coproduce_bench_coproduction)" $BIN/python bench/bench_coproduction.py "$@"
        else
          $BIN/python bench/bench_coproduction.py "$@"
        fi ;;
      pages)  # the demo, in a database of its own on the throwaway cluster
        if [ -n "${DATABASE_URL:-}" ] && [ -n "${PGBIN:-}" ] && [ -n "${PGPORT:-}" ]; then
          pg_cluster_createdb coproduce_bench_pages
          DATABASE_URL="$(pg_cluster_url coproduce_bench_pages)" $BIN/python bench/bench_pages.py "$@"
        else
          $BIN/python bench/bench_pages.py "$@"
        fi ;;
      counting) $BIN/python bench/bench_counting.py ;;  # no database: ranked ballots (issue 12)
      listings)  # PostgreSQL only, in a database of its own (it seeds 1,000,000 listings)
        if [ -n "${DATABASE_URL:-}" ] && [ -n "${PGBIN:-}" ] && [ -n "${PGPORT:-}" ]; then
          pg_cluster_createdb coproduce_bench_listings
          DATABASE_URL="$(pg_cluster_url coproduce_bench_listings)" $BIN/python bench/bench_listings.py "$@"
        else
          $BIN/python bench/bench_listings.py "$@"
        fi ;;
      *) echo "BENCH must name directory, ledger, coproduction, pages, counting and/or listings, not $bench" >&2; exit 2 ;;
    esac
  done
}

case "$BENCH_DB" in
  url) run "$@" ;;
  sqlite|postgres|all)
    if [ "$BENCH_DB" != postgres ]; then
      printf '\n== SQLite\n'
      (unset DATABASE_URL; run "$@")
    fi
    if [ "$BENCH_DB" != sqlite ]; then
      printf '\n== PostgreSQL\n'
      source scripts/pg_cluster.sh
      pg_cluster_start
      pg_cluster_createdb coproduce_bench
      DATABASE_URL="$(pg_cluster_url coproduce_bench)" PGBENCH="$PGBIN/pgbench" run "$@"
    fi
    ;;
  *) echo "BENCH_DB must be sqlite, postgres or all, not $BENCH_DB" >&2; exit 2 ;;
esac
