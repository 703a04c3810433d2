#!/usr/bin/env bash
# Starts the Razorpay simulator and rigmaster in the foreground; Ctrl-C (or SIGTERM)
# stops both. The PostgreSQL cluster is left running (deploy/local/pg.sh stop ends it).
#
# The simulator keeps its orders in memory, so it outlives rigmaster: when rigmaster
# exits on its own (it crashed, or a developer killed it to run a fresh build), it is
# started again and the simulator keeps serving. Only a configuration error (exit 78)
# or the simulator exiting ends the run.
#
#   deploy/local/run.sh [debug|release]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROFILE="${1:-debug}"
BIN="$ROOT/target/$PROFILE"
cd "$ROOT"

export DATABASE_URL="${DATABASE_URL:-$(deploy/local/pg.sh url)}"
export HTTP_ADDR="${HTTP_ADDR:-127.0.0.1:8080}"
export RAZORPAY_SIM_ADDR="${RAZORPAY_SIM_ADDR:-127.0.0.1:9010}"
export RAZORPAY_API_BASE="${RAZORPAY_API_BASE:-http://$RAZORPAY_SIM_ADDR/v1}"
export RAZORPAY_WEBHOOK_URL="${RAZORPAY_WEBHOOK_URL:-http://$HTTP_ADDR/api/v1/webhooks/razorpay}"

# rigmaster's exit status for a configuration error: starting it again cannot help.
CONFIG_ERROR=78

say() { printf 'run: %s\n' "$*" >&2; }

sim_pid=""
app_pid=""
pause_pid=""
stop_all() {
  trap - INT TERM EXIT
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null || true
  [ -n "$pause_pid" ] && kill -TERM "$pause_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

start_rigmaster() {
  "$BIN/rigmaster" serve &
  app_pid=$!
  app_started=$SECONDS
  say "rigmaster started (pid $app_pid)"
}

"$BIN/rigmaster" migrate
# Idempotent: the first start loads the demo store, later starts add nothing.
"$BIN/rigmaster" seed-demo

"$BIN/razorpay-sim" &
sim_pid=$!
start_rigmaster
say "store on http://$HTTP_ADDR (health: http://$HTTP_ADDR/health), Razorpay simulator on http://$RAZORPAY_SIM_ADDR (pid $sim_pid); Ctrl-C stops both"

# The pause before starting rigmaster again doubles (up to 30 s) while it keeps dying
# within 10 s of its start, so a crash loop does not spin.
pause=1
while true; do
  status=0
  wait -n "$app_pid" "$sim_pid" || status=$?
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    say "the Razorpay simulator exited (status $status); stopping"
    break
  fi
  if [ "$status" -eq "$CONFIG_ERROR" ]; then
    say "rigmaster refused its configuration; stopping"
    break
  fi
  if (( SECONDS - app_started >= 10 )); then pause=1; fi
  say "rigmaster exited (status $status); the simulator keeps serving its orders; starting rigmaster again in ${pause}s"
  # In the background, so that a signal is handled at once rather than after the pause.
  sleep "$pause" &
  pause_pid=$!
  wait "$pause_pid" || true
  pause_pid=""
  pause=$(( pause * 2 > 30 ? 30 : pause * 2 ))
  start_rigmaster
done
stop_all
exit "$status"
