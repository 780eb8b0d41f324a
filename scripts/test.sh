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

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing $*; install it (as root: apt-get install $*)" >&2
    exit 1
  fi
  step "installing $* with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq "$@" >/dev/null
}

step "ruff"
$BIN/ruff check .

step "pytest on SQLite"
$BIN/pytest -m "not browser" -n 2 "${PYTEST_ARGS[@]}"

step "pytest on PostgreSQL"
pg_bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
PGBIN="$(pg_bindir)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
  apt_install postgresql
  PGBIN="$(pg_bindir)"
fi
PGROOT="$(mktemp -d /tmp/coproduce-pg.XXXXXX)"
PGUSER_OS=postgres
if ! id "$PGUSER_OS" >/dev/null 2>&1; then
  useradd --system --home-dir "$PGROOT" --shell /usr/sbin/nologin "$PGUSER_OS"
fi
chown "$PGUSER_OS" "$PGROOT"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}
PGPORT="$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
stop_pg() {
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap stop_pg EXIT
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o "-h 127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" start >/dev/null
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/coproduce" $BIN/pytest -m "not browser" -n 2 "${PYTEST_ARGS[@]}"

step "browser tests (Chromium, Playwright, axe-core)"
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
DJANGO_ALLOW_ASYNC_UNSAFE=true $BIN/pytest -m browser "${PYTEST_ARGS[@]}"
