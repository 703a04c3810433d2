#!/usr/bin/env bash
# make bench: release builds, a fresh database in the private cluster, the Razorpay
# simulator and a release rigmaster on their own ports, then rigmaster-bench (bench/),
# which loads the store, runs every scenario beside pgbench and writes
# bench/results/latest.md. Everything it started is stopped on the way out.
#
#   BENCH_SECONDS=20 BENCH_PRODUCTS=10000 deploy/bench/run.sh
#   BENCH_SCENARIOS=analytics BENCH_ANALYTICS_SECONDS=3 deploy/bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PG=deploy/local/pg.sh
DB=rmbench
APP_ADDR=127.0.0.1:18080
SIM_ADDR=127.0.0.1:19010
LOGS=target/bench-logs
BINDIR="$($PG bindir)"
ADMIN_URL="$($PG url postgres)"

# BENCH_NO_BUILD=1 runs the binaries already built (while profiling, say).
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release --bin rigmaster --bin razorpay-sim --bin rigmaster-bench

"$BINDIR/psql" -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export DATABASE_URL="$($PG url $DB)"
mkdir -p "$LOGS"

# Requests are logged at warn and above only: an access line per request would measure
# the terminal, not the store. Every rate limit is set far above what the scenarios send
# (64 customers from one address), so they run at full speed; the limits are still
# counted, so their cost is in every figure.
export HTTP_ADDR="$APP_ADDR" RAZORPAY_SIM_ADDR="$SIM_ADDR" RUST_LOG="${RUST_LOG:-warn}"
export RAZORPAY_API_BASE="http://$SIM_ADDR/v1"
export RAZORPAY_WEBHOOK_URL="http://$APP_ADDR/api/v1/webhooks/razorpay"
export RIGMASTER__RATE_LIMIT__AUTH_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__AUTH_PER_EMAIL_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__ORDERS_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__PAYMENTS_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__COUPON_PER_MINUTE=100000000
export RIGMASTER__RATE_LIMIT__NEWSLETTER_PER_MINUTE=100000000
# Each of the 64 buyers places order after order and leaves them waiting for payment.
export RIGMASTER__LIMITS__MAX_PENDING_ORDERS=1000000
export RIGMASTER__LIMITS__MAX_OPEN_COD_ORDERS=1000000
# Sign-ups at set-up come all at once; they wait for a hashing turn rather than get 503.
export RIGMASTER__PASSWORDS__HASH_WAIT_MS=600000

target/release/rigmaster migrate
target/release/rigmaster seed-demo >/dev/null
# The analytics scenario reads a year of history: 300,000 orders, about a million lines
# (a few minutes; refused, adding nothing, when the database has them already).
case ",${BENCH_SCENARIOS:-analytics}," in
  *,analytics,*) target/release/rigmaster seed-demo --orders "${BENCH_ANALYTICS_ORDERS:-300000}" \
                   | tee "$LOGS/seed-demo-orders.log" ;;
esac
BENCH_ADMIN_EMAIL=bench-admin@rigmaster.test
BENCH_ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
echo "$BENCH_ADMIN_PASSWORD" | target/release/rigmaster create-admin --email "$BENCH_ADMIN_EMAIL" --password-stdin >/dev/null

sim_pid=""
app_pid=""
stop_all() {
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all EXIT

target/release/razorpay-sim 2>"$LOGS/razorpay-sim.log" &
sim_pid=$!
target/release/rigmaster serve 2>"$LOGS/rigmaster.log" &
app_pid=$!

# rigmaster-bench waits for /health itself (10 s at most).
BENCH_APP_ADDR="$APP_ADDR" BENCH_SIM_ADDR="$SIM_ADDR" BENCH_APP_PID="$app_pid" \
  BENCH_ADMIN_EMAIL="$BENCH_ADMIN_EMAIL" BENCH_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
  PGBENCH="$BINDIR/pgbench" target/release/rigmaster-bench
