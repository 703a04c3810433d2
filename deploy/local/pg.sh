#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, under .data/ in the checkout.
#
#   deploy/local/pg.sh ensure          install PostgreSQL if missing (Debian, as root),
#                                      create the cluster if missing, start it if stopped,
#                                      create the application database
#   deploy/local/pg.sh stop            stop the cluster
#   deploy/local/pg.sh status          say whether it runs
#   deploy/local/pg.sh sweep-tests     drop databases left behind by failed tests
#   deploy/local/pg.sh url [DB]        print the URL of a database (default: rigmaster)
#
# Environment: RIGMASTER_PG_PORT (default 55432), RIGMASTER_PG_DB (default rigmaster).
# Runs as root (the server itself then runs as the postgres user, as initdb requires)
# or as an ordinary user who can run the PostgreSQL binaries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${RIGMASTER_PG_PORT:-55432}"
DB="${RIGMASTER_PG_DB:-rigmaster}"
DATA_ROOT="$ROOT/.data"
PGDATA="$DATA_ROOT/pg"
LOG="$DATA_ROOT/pg.log"

say() { printf 'pg: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

find_bindir() {
  local dir
  # An existing cluster must be run by the major version that created it.
  if [ -f "$PGDATA/PG_VERSION" ]; then
    dir="/usr/lib/postgresql/$(cat "$PGDATA/PG_VERSION")/bin"
    if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  fi
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  fi
  # Debian keeps server binaries off PATH: take the newest installed major version.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  done
}

install_postgres() {
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed. Install it (e.g. sudo apt-get install postgresql postgresql-contrib) and run again."
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available: install PostgreSQL 14+ and run again."
  say "installing PostgreSQL from Debian packages (first run only)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
}

# Runs a server binary as the cluster's owner: postgres when we are root (initdb and the
# server refuse to run as root), ourselves otherwise.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_admin() {
  "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"
}

is_running() {
  [ -f "$PGDATA/PG_VERSION" ] && as_owner "$BINDIR/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

prepare_dirs() {
  mkdir -p "$DATA_ROOT"
  if [ "$(id -u)" -eq 0 ]; then
    # The server runs as postgres, which must reach the data folder through the checkout.
    if ! runuser -u postgres -- test -x "$DATA_ROOT"; then
      local dir="$DATA_ROOT"
      while [ "$dir" != "/" ]; do
        if ! runuser -u postgres -- test -x "$dir"; then
          say "letting the postgres user traverse $dir (chmod o+x) to reach the cluster"
          chmod o+x "$dir"
        fi
        dir="$(dirname "$dir")"
      done
    fi
    mkdir -p "$PGDATA"
    touch "$LOG"
    chown postgres:postgres "$PGDATA" "$LOG"
    chmod 700 "$PGDATA"
  else
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    touch "$LOG"
  fi
}

init_cluster() {
  say "creating a private cluster in $PGDATA"
  as_owner "$BINDIR/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null \
    || as_owner "$BINDIR/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --locale=C >/dev/null
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start_cluster() {
  if port_taken; then
    die "127.0.0.1:$PORT is already used by another server (another checkout's cluster?). Stop it, or choose another port: RIGMASTER_PG_PORT=55433 make ..."
  fi
  say "starting PostgreSQL on 127.0.0.1:$PORT"
  # No Unix socket: clients use TCP, and a deep checkout path would exceed the socket
  # path limit. Tuned for a development machine, not for durability of a real store.
  as_owner "$BINDIR/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='' -c max_connections=300 \
     -c shared_buffers=256MB -c synchronous_commit=off -c fsync=off -c full_page_writes=off" >/dev/null \
    || { tail -n 20 "$LOG" >&2; die "PostgreSQL did not start (log: $LOG)"; }
}

ensure() {
  BINDIR="$(find_bindir)"
  if [ -z "$BINDIR" ]; then
    install_postgres
    BINDIR="$(find_bindir)"
    [ -n "$BINDIR" ] || die "PostgreSQL was installed but its binaries were not found"
  fi
  prepare_dirs
  [ -f "$PGDATA/PG_VERSION" ] || init_cluster
  is_running || start_cluster
  local exists
  exists="$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")"
  if [ "$exists" != "1" ]; then
    say "creating database $DB"
    psql_admin -c "CREATE DATABASE \"$DB\""
  fi
  say "ready: $(url "$DB")"
}

stop() {
  BINDIR="$(find_bindir)"
  [ -n "$BINDIR" ] || die "PostgreSQL is not installed"
  if is_running; then as_owner "$BINDIR/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; say "stopped"; else say "not running"; fi
}

status() {
  BINDIR="$(find_bindir)"
  if [ -n "$BINDIR" ] && is_running; then say "running on 127.0.0.1:$PORT ($PGDATA)"; else say "not running"; return 3; fi
}

# Drops what test runs leave: databases of failed tests, and templates (a template is
# rebuilt by the first test that needs it, so stale ones from older migrations go too).
sweep_tests() {
  BINDIR="$(find_bindir)"
  local db
  for db in $(psql_admin -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'rmtest\_%' OR datname LIKE 'rmtemplate\_%'"); do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
}

url() { echo "postgres://postgres@127.0.0.1:$PORT/${1:-$DB}"; }

case "${1:-ensure}" in
  ensure) ensure ;;
  stop) stop ;;
  status) status ;;
  sweep-tests) sweep_tests ;;
  url) url "${2:-}" ;;
  bindir) find_bindir ;;
  *) die "usage: $0 ensure|stop|status|sweep-tests|url [DB]|bindir" ;;
esac
