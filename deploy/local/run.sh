#!/usr/bin/env bash
# Starts the Razorpay simulator and rigmaster in the foreground; Ctrl-C (or SIGTERM)
# stops both. The PostgreSQL cluster is left running (deploy/local/pg.sh stop ends it).
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

sim_pid=""
app_pid=""
stop_all() {
  trap - INT TERM EXIT
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

"$BIN/rigmaster" migrate
# Idempotent: the first start loads the demo store, later starts add nothing.
"$BIN/rigmaster" seed-demo

"$BIN/razorpay-sim" &
sim_pid=$!
"$BIN/rigmaster" serve &
app_pid=$!
echo "run: store on http://$HTTP_ADDR (health: http://$HTTP_ADDR/health), Razorpay simulator on http://$RAZORPAY_SIM_ADDR; Ctrl-C stops both" >&2
# Whichever stops first ends the run, and its exit status is the run's.
status=0
wait -n "$app_pid" "$sim_pid" || status=$?
stop_all
exit "$status"
