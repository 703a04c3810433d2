#!/usr/bin/env bash
# Checks deploy/local/run.sh: a rigmaster killed with SIGKILL is started again while the
# simulator keeps serving (an order made before the kill is still there), and Ctrl-C
# (SIGINT to the whole process group) or SIGTERM to run.sh stops both processes.
#
# Needs the debug binaries (`make build`) and the private cluster (`make db`, or
# RIGMASTER_TEST_ADMIN_URL); uses a throwaway database and free ports of its own.
#
#   deploy/local/run_test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ADMIN_URL="${RIGMASTER_TEST_ADMIN_URL:-postgres://postgres@127.0.0.1:${RIGMASTER_PG_PORT:-55432}/postgres}"
PSQL="$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)"
DB="rmtest_run_sh_$$"
DB_URL="${ADMIN_URL%/*}/$DB"
SIM_KEY="rzp_test_insecure-dev-key:insecure-dev-razorpay-key-secret"
WORK="$(mktemp -d)"
LOG="$WORK/run.log"

say() { printf 'run_test: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; say "run.sh said:"; sed 's/^/  | /' "$LOG" >&2 || true; exit 1; }

for bin in rigmaster razorpay-sim; do
  [ -x "target/debug/$bin" ] || { say "target/debug/$bin is missing: run make build first"; exit 2; }
done

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 50); do
    port_taken "$port" || { echo "$port"; return; }
  done
  return 1
}
APP_PORT="$(free_port)"
SIM_PORT="$(free_port)"
[ "$APP_PORT" != "$SIM_PORT" ] || SIM_PORT="$(free_port)"

run_pid=""
cleanup() {
  [ -n "$run_pid" ] && kill -TERM -- "-$run_pid" 2>/dev/null || true
  "$PSQL" -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$PSQL" -X -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\"" >/dev/null

# Waits up to $2 seconds for the command in "$@:3" to succeed.
within() {
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || fail "$what: not within ${seconds}s"
    sleep 0.2
  done
}
healthy() { curl -sf "http://127.0.0.1:$1/$2" >/dev/null; }
closed() { ! port_taken "$1"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# The pid of run.sh's child named $1 (no procps needed).
child_pid() {
  local stat pid comm state ppid
  for stat in /proc/[0-9]*/stat; do
    read -r pid comm state ppid _ <"$stat" 2>/dev/null || continue
    if [ "$ppid" = "$run_pid" ] && [ "$comm" = "($1)" ]; then echo "$pid"; return; fi
  done
}
rigmaster_pid() { child_pid rigmaster; }
simulator_pid() { child_pid razorpay-sim; }
restarted() { local now; now="$(rigmaster_pid)"; [ -n "$now" ] && [ "$now" != "$1" ] && healthy "$APP_PORT" health; }

# run.sh in a process group of its own (job control on), as a terminal would start it.
start_run() {
  : >"$LOG"
  set -m
  DATABASE_URL="$DB_URL" HTTP_ADDR="127.0.0.1:$APP_PORT" RAZORPAY_SIM_ADDR="127.0.0.1:$SIM_PORT" \
    RUST_LOG=warn deploy/local/run.sh debug >>"$LOG" 2>&1 &
  run_pid=$!
  set +m
  within "rigmaster serving" 120 healthy "$APP_PORT" health
  within "the simulator serving" 10 healthy "$SIM_PORT" _sim/health
}

# Sends $1 to $2 and checks that run.sh, rigmaster and the simulator all stop.
stops_both() {
  local signal="$1" target="$2" app sim
  app="$(rigmaster_pid)"
  sim="$(simulator_pid)"
  [ -n "$app" ] && [ -n "$sim" ] || fail "run.sh's rigmaster ($app) and simulator ($sim) not found"
  kill "-$signal" -- "$target"
  within "run.sh exiting after SIG$signal" 30 gone "$run_pid"
  within "rigmaster stopping after SIG$signal" 5 gone "$app"
  within "the simulator stopping after SIG$signal" 5 gone "$sim"
  within "rigmaster's port closing" 5 closed "$APP_PORT"
  within "the simulator's port closing" 5 closed "$SIM_PORT"
  run_pid=""
  say "ok: SIG$signal to $3 stopped rigmaster and the simulator"
}

say "1. killing rigmaster keeps the simulator and its orders, and rigmaster comes back"
start_run
order_id="$(curl -sf -u "$SIM_KEY" -H 'content-type: application/json' \
  -d '{"amount":150000,"currency":"INR","receipt":"RM-RUN-TEST"}' "http://127.0.0.1:$SIM_PORT/v1/orders" |
  sed -n 's/.*"id":"\(order_[A-Za-z0-9]*\)".*/\1/p')"
[ -n "$order_id" ] || fail "the simulator made no order"
first="$(rigmaster_pid)"
[ -n "$first" ] || fail "run.sh's rigmaster not found"
kill -KILL "$first"
within "rigmaster started again" 30 restarted "$first"
gone "$first" || fail "the killed rigmaster is still there"
curl -sf -u "$SIM_KEY" "http://127.0.0.1:$SIM_PORT/v1/orders/$order_id" | grep -q "\"id\":\"$order_id\"" ||
  fail "the simulator lost order $order_id"
say "ok: rigmaster $first killed, rigmaster $(rigmaster_pid) serving, simulator $(simulator_pid) still has $order_id"

say "2. Ctrl-C (SIGINT to the process group) stops both"
stops_both INT "-$run_pid" "the process group"

say "3. SIGTERM to run.sh stops both"
start_run
stops_both TERM "$run_pid" "run.sh"

say "all passed"
