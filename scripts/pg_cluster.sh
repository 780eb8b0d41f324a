# Sourced by scripts/test.sh and scripts/bench.sh: a throwaway PostgreSQL cluster on a free port,
# owned by the `postgres` OS user, with durability switched off (it is deleted on exit).
#
#   source scripts/pg_cluster.sh
#   pg_cluster_start                 # sets PGPORT, PGROOT, PGBIN; stops and deletes it on exit
#   pg_cluster_createdb coproduce    # an empty database
#   DATABASE_URL="$(pg_cluster_url coproduce)" ...
#
# Installs PostgreSQL with apt when it is missing (we run as root on the test machines).

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing $*; install it (as root: apt-get install $*)" >&2
    exit 1
  fi
  printf '\n== installing %s with apt\n' "$*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq "$@" >/dev/null
}

pg_bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

PGUSER_OS=postgres

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

pg_cluster_stop() {
  if [ -n "${PGROOT:-}" ] && [ -d "$PGROOT" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
  fi
}

pg_cluster_start() {
  PGBIN="$(pg_bindir)"
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    apt_install postgresql
    PGBIN="$(pg_bindir)"
  fi
  PGROOT="$(mktemp -d /tmp/coproduce-pg.XXXXXX)"
  if ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --home-dir "$PGROOT" --shell /usr/sbin/nologin "$PGUSER_OS"
  fi
  chown "$PGUSER_OS" "$PGROOT"
  PGPORT="$("${BIN:-.venv/bin}/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  trap pg_cluster_stop EXIT
  as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o "-h 127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" start >/dev/null
  echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
}

pg_cluster_url() {
  echo "postgres://postgres@127.0.0.1:$PGPORT/$1"
}

pg_cluster_createdb() {
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$1"
}
