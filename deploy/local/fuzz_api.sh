#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis, driven by the OpenAPI document that rigmaster
# serves (GET /api/v1/openapi.json): generated requests, valid and invalid, to every
# operation, three times over: without a token, as a customer, and as an admin.
#
# Sets up everything itself: the private cluster (pg.sh ensure), the Python tools
# (api_tools.sh), a debug build, a scratch database (dropped at exit), the Razorpay
# simulator and rigmaster on free loopback ports, the demo catalog, an admin, and a
# customer with a cart line, an address and two orders, so that reads return real data.
# The run's real ids are offered to schemathesis for parameters of known names (a
# generated schemathesis.toml), and the admin run gets its admin's role back should it
# ever lose it (a safety net: the server refuses an admin's own demotion).
#
#   deploy/local/fuzz_api.sh            (make fuzz-api)
#
# Environment:
#   FUZZ_SECONDS   the time budget of the fuzzing, split between the three runs (default 600);
#                  the builds and the set-up come on top
#   FUZZ_SEED      schemathesis' seed (default: a random one, printed, to replay a run)
#   FUZZ_WORKERS   concurrent schemathesis workers (default 1: on two cores one worker
#                  generates as many cases as two, and with several, schemathesis under
#                  Python 3.11 stopped on "AST constructor recursion depth mismatch"
#                  errors, a thread-safety problem of CPython's (gh-106905))
#   FUZZ_CHECKS    the checks (default: not_a_server_error, status_code_conformance,
#                  content_type_conformance, response_schema_conformance)
#   FUZZ_PHASES    schemathesis phases (default: examples,coverage,fuzzing,stateful)
#   FUZZ_LEVELS    which runs, in order (default: "anonymous customer admin")
#   FUZZ_SCHEMA    a file to read the document from instead of the served one (tests of
#                  this script)
#
# Writes .data/fuzz/: summary.txt, and per run (anonymous/, customer/, admin/) the
# schemathesis output, its JUnit and NDJSON reports; rigmaster's and the simulator's logs.
# Exits 1 when any run found a failure (or could not run), 0 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-600}"
FUZZ_SEED="${FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
FUZZ_WORKERS="${FUZZ_WORKERS:-1}"
FUZZ_CHECKS="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"
FUZZ_PHASES="${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
FUZZ_LEVELS="${FUZZ_LEVELS:-anonymous customer admin}"
FUZZ_SCHEMA="${FUZZ_SCHEMA:-}"
[[ "$FUZZ_SECONDS" =~ ^[0-9]+$ ]] && (( FUZZ_SECONDS >= 30 )) || { echo "fuzz: FUZZ_SECONDS must be a whole number, 30 or more" >&2; exit 2; }
[[ "$FUZZ_SEED" =~ ^[0-9]+$ ]] || { echo "fuzz: FUZZ_SEED must be a whole number" >&2; exit 2; }

PG_PORT="${RIGMASTER_PG_PORT:-55432}"
ADMIN_URL="${RIGMASTER_TEST_ADMIN_URL:-postgres://postgres@127.0.0.1:$PG_PORT/postgres}"
OUT="$ROOT/.data/fuzz"
BIN="$ROOT/target/debug"
# Not rmtest_…: `make test` sweeps those away, even while this run uses its database.
DB="rmfuzz_$$"
DB_URL="${ADMIN_URL%/*}/$DB"
ADMIN_EMAIL="fuzz-admin@example.com"
CUSTOMER_EMAIL="fuzz-customer@example.com"
# Fresh for each run, and only ever in this scratch database.
PASSWORD="fuzz-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- set-up that needs no cleaning up -------------------------------------------------

deploy/local/pg.sh ensure
deploy/local/api_tools.sh
VENV_BIN="$(deploy/local/api_tools.sh path)"
say "building rigmaster and razorpay-sim (debug)"
cargo build --bin rigmaster --bin razorpay-sim
PSQL="$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PSQL" ] || die "psql not found"
psql_admin() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" "$@"; }

# Scratch databases of runs that were killed before they could drop theirs.
for stale in $(psql_admin -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'rmfuzz\_%'"); do
  pid="${stale#rmfuzz_}"
  if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
    say "dropping $stale, left by an earlier run"
    psql_admin -c "DROP DATABASE IF EXISTS \"$stale\" WITH (FORCE)" >/dev/null
  fi
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
while [ "$SIM_PORT" = "$APP_PORT" ]; do SIM_PORT="$(free_port)"; done
BASE="http://127.0.0.1:$APP_PORT"
API="$BASE/api/v1"

rm -rf "$OUT"
mkdir -p "$OUT"
WORK="$(mktemp -d)"

# --- processes and the scratch database: cleaned up at exit ----------------------------

app_pid=""
sim_pid=""
st_pid=""
keeper_pid=""
stop_pid() {
  local pid="$1" waited=0
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && (( waited < 100 )); do sleep 0.1; waited=$((waited + 1)); done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$keeper_pid"
  stop_pid "$st_pid"
  stop_pid "$app_pid"
  stop_pid "$sim_pid"
  psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || say "could not drop the scratch database $DB"
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_admin -c "CREATE DATABASE \"$DB\"" >/dev/null

export APP_ENV=development
export DATABASE_URL="$DB_URL"
export HTTP_ADDR="127.0.0.1:$APP_PORT"
export RAZORPAY_SIM_ADDR="127.0.0.1:$SIM_PORT"
export RAZORPAY_API_BASE="http://$RAZORPAY_SIM_ADDR/v1"
export RAZORPAY_WEBHOOK_URL="$API/webhooks/razorpay"
export RUST_LOG="info,sqlx=warn"
export LOG_FORMAT=pretty
# The fuzzer signs up, orders, pays and applies coupons far faster than a shopper; without
# these most of its requests to the limited routes would be answered 429.
export RIGMASTER__RATE_LIMIT__AUTH_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__AUTH_PER_EMAIL_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__ORDERS_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__PAYMENTS_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__COUPON_PER_MINUTE=1000000
export RIGMASTER__RATE_LIMIT__NEWSLETTER_PER_MINUTE=1000000
# The fuzzer places order after order for one customer and leaves them unpaid.
export RIGMASTER__LIMITS__MAX_PENDING_ORDERS=1000000
export RIGMASTER__LIMITS__MAX_OPEN_COD_ORDERS=1000000
# Sign-ups at set-up come all at once; they wait for a hashing turn rather than get 503.
export RIGMASTER__PASSWORDS__HASH_WAIT_MS=600000
# Tokens are taken afresh before each run; a run longer than the default 15 minutes
# needs them to last longer.
ACCESS_TTL=$(( FUZZ_SECONDS + 600 > 900 ? FUZZ_SECONDS + 600 : 900 ))
export RIGMASTER__JWT__ACCESS_TTL_SECONDS="$ACCESS_TTL"

say "scratch database $DB; migrating and loading the demo catalog"
"$BIN/rigmaster" migrate >"$OUT/setup.log" 2>&1 || { cat "$OUT/setup.log" >&2; die "rigmaster migrate failed"; }
"$BIN/rigmaster" seed-demo >>"$OUT/setup.log" 2>&1 || { cat "$OUT/setup.log" >&2; die "rigmaster seed-demo failed"; }
printf '%s\n' "$PASSWORD" | "$BIN/rigmaster" create-admin --email "$ADMIN_EMAIL" --password-stdin --name "Fuzz Admin" \
  >>"$OUT/setup.log" 2>&1 || { cat "$OUT/setup.log" >&2; die "rigmaster create-admin failed"; }

"$BIN/razorpay-sim" >"$OUT/razorpay-sim.log" 2>&1 &
sim_pid=$!
"$BIN/rigmaster" serve >"$OUT/rigmaster.log" 2>&1 &
app_pid=$!

# Waits up to $2 seconds for the command in "$@:3" to succeed.
within() {
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$app_pid" 2>/dev/null || { tail -n 30 "$OUT/rigmaster.log" >&2; die "rigmaster exited while waiting for $what"; }
    kill -0 "$sim_pid" 2>/dev/null || { tail -n 30 "$OUT/razorpay-sim.log" >&2; die "the simulator exited while waiting for $what"; }
    (( SECONDS < deadline )) || die "$what: not within ${seconds}s"
    sleep 0.2
  done
}
within "rigmaster serving on $BASE" 120 curl -sf --max-time 2 "$BASE/health"
within "the simulator serving on 127.0.0.1:$SIM_PORT" 30 curl -sf --max-time 2 "http://$RAZORPAY_SIM_ADDR/_sim/health"
say "rigmaster on $BASE (pid $app_pid), simulator on 127.0.0.1:$SIM_PORT (pid $sim_pid)"

# --- the accounts, and some state for the customer -------------------------------------

# call METHOD PATH EXPECTED_STATUS [BODY] [TOKEN] [extra curl args...]: prints the body;
# fails loudly on any other status.
call() {
  local method="$1" path="$2" expected="$3" body="${4:-}" token="${5:-}"
  shift $(( $# < 5 ? $# : 5 ))
  local args=(-sS --max-time 30 -X "$method" -o "$WORK/body" -w '%{http_code}')
  [ -n "$body" ] && args+=(-H 'content-type: application/json' --data-binary "$body")
  [ -n "$token" ] && args+=(-H "authorization: Bearer $token")
  local status
  status="$(curl "${args[@]}" "$@" "$API$path")" || die "$method $path: curl failed"
  if [ "$status" != "$expected" ]; then
    say "$method $path answered $status, expected $expected:"
    cat "$WORK/body" >&2; echo >&2
    die "set-up failed"
  fi
  cat "$WORK/body"
}
login() {
  call POST /auth/login 200 "$(jq -nc --arg e "$1" --arg p "$PASSWORD" '{email: $e, password: $p}')" | jq -er .access_token
}

call POST /auth/register 201 "$(jq -nc --arg e "$CUSTOMER_EMAIL" --arg p "$PASSWORD" \
  '{name: "Fuzz Customer", email: $e, password: $p, phone: "9876543210"}')" >/dev/null
customer_token="$(login "$CUSTOMER_EMAIL")"
admin_token="$(login "$ADMIN_EMAIL")"
call GET /me 200 "" "$admin_token" | jq -e '.role == "admin"' >/dev/null || die "the admin account is not an admin"

call GET "/products?in_stock=true&limit=3" 200 >"$WORK/products.json"
mapfile -t products < <(jq -r '.items[].id' "$WORK/products.json")
mapfile -t slugs < <(jq -r '.items[].slug // empty' "$WORK/products.json")
[ "${#products[@]}" -ge 3 ] || die "the demo catalog has fewer than 3 products in stock"
address_id="$(call POST /me/addresses 201 '{"name":"Fuzz Customer","phone":"9876543210","line1":"12 MG Road","city":"Bengaluru","state":"Karnataka","pincode":"560001","is_default":true}' "$customer_token" | jq -er .id)"
# A confirmed cash-on-delivery order and one waiting for its Razorpay payment.
orders=()
for method in cod razorpay; do
  orders+=("$(call POST /orders 201 "$(jq -nc --arg p "${products[1]}" --arg a "$address_id" --arg m "$method" \
    '{items: [{product_id: $p, quantity: 1}], address_id: $a, payment_method: $m}')" "$customer_token" \
    -H "idempotency-key: fuzz-setup-$method" | jq -er .order.id)")
done
call POST /cart/items 200 "$(jq -nc --arg p "${products[0]}" '{product_id: $p, quantity: 1}')" "$customer_token" >/dev/null
coupon_id="$(call POST /admin/coupons 201 '{"code":"FUZZ10","type":"percentage","value":1000}' "$admin_token" | jq -er .id)"
category_id="$(call GET /categories 200 | jq -er '.items[0].id')"
customer_id="$(call GET /me 200 "" "$customer_token" | jq -er .id)"
say "customer $CUSTOMER_EMAIL: 1 cart line, 1 address, 2 orders; admin $ADMIN_EMAIL; coupon FUZZ10"

# Schemathesis draws these ids for parameters of these names half the time (and makes
# up values the other half), so requests reach real rows rather than only 404s. Not the
# admin's own id: PATCH /admin/users/{id} could demote the admin the last run signs in as.
toml_list() { jq -nc '$ARGS.positional' --args "$@"; }
{
  echo "# Written by deploy/local/fuzz_api.sh for this run's scratch database."
  # The anonymous run stays anonymous: schemathesis would otherwise sign itself up
  # through POST /auth/register and send its own token.
  echo "[auth]"
  echo "auto-signup = false"
  echo "[dictionaries.product_ids]"
  echo "values = $(toml_list "${products[@]}")"
  echo "[dictionaries.product_refs]"
  echo "values = $(toml_list "${products[@]}" "${slugs[@]}")"
  echo "[dictionaries.address_ids]"
  echo "values = $(toml_list "$address_id")"
  echo "[dictionaries.ids]"
  echo "values = $(toml_list "${products[@]}" "$address_id" "${orders[@]}" "$coupon_id" "$category_id" "$customer_id")"
  echo "[dictionaries.coupon_codes]"
  echo 'values = ["FUZZ10", "fuzz10"]'
  echo "[parameters]"
  echo '"path.product_id" = { dictionary = "product_ids", probability = 0.5 }'
  echo '"path.id_or_slug" = { dictionary = "product_refs", probability = 0.5 }'
  echo '"path.id" = { dictionary = "ids", probability = 0.5 }'
  echo '"body.product_id" = { dictionary = "product_ids", probability = 0.5 }'
  echo '"body.items[*].product_id" = { dictionary = "product_ids", probability = 0.5 }'
  echo '"body.address_id" = { dictionary = "address_ids", probability = 0.5 }'
  echo '"body.code" = { dictionary = "coupon_codes", probability = 0.5 }'
  echo '"body.coupon_code" = { dictionary = "coupon_codes", probability = 0.5 }'
} >"$OUT/schemathesis.toml"

# --- the document ----------------------------------------------------------------------

if [ -n "$FUZZ_SCHEMA" ]; then
  cp "$FUZZ_SCHEMA" "$OUT/openapi.json"
  SCHEMA_LOCATION="$OUT/openapi.json"
  say "using the document $FUZZ_SCHEMA, not the served one"
else
  status="$(curl -sS --max-time 30 -o "$OUT/openapi.json" -w '%{http_code}' "$API/openapi.json")" || die "GET /api/v1/openapi.json failed"
  [ "$status" = 200 ] || { head -c 2000 "$OUT/openapi.json" >&2; die "GET /api/v1/openapi.json answered $status"; }
  SCHEMA_LOCATION="$API/openapi.json"
fi
jq -e . "$OUT/openapi.json" >/dev/null || die "the document is not JSON"
# Requests go to this run's origin, plus the path of the document's first server (its
# host, if it names one, is the production one).
BASE_PATH="$(jq -r '(.servers[0].url // "") | sub("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*"; "") | rtrimstr("/")' "$OUT/openapi.json")"
operations="$(jq '[.paths[] | to_entries[] | select(.key | IN("get","put","post","delete","patch","head","options","trace"))] | length' "$OUT/openapi.json")"
say "the document has $operations operations"

# --- the runs --------------------------------------------------------------------------

# Reads a run's NDJSON report: prints "operations cases failures errors" (failures:
# distinct operation, check and status), writes the failures, each with a curl line.
tally() {
  "$VENV_BIN/python" "$ROOT/deploy/local/fuzz_tally.py" "$@"
}

# keep_admin TOKEN LOG: while it runs, makes the admin an admin again whenever GET /me
# says otherwise, and notes when.
keep_admin() {
  local role
  while sleep 1; do
    role="$(curl -s --max-time 5 -H "authorization: Bearer $1" "$API/me" | jq -r '.role // empty' 2>/dev/null || true)"
    if [ -n "$role" ] && [ "$role" != admin ]; then
      printf '%s\n' "$PASSWORD" | "$BIN/rigmaster" create-admin --email "$ADMIN_EMAIL" --password-stdin \
        --promote-existing >/dev/null 2>&1 || true
      echo "$(date -u +%H:%M:%S) the admin was $role; made admin again" >>"$2"
    fi
  done
}

read -r -a levels <<<"$FUZZ_LEVELS"
started=$SECONDS
declare -A result
failed=0
passed_runs=0
for i in "${!levels[@]}"; do
  level="${levels[$i]}"
  left=$(( ${#levels[@]} - i ))
  remaining=$(( FUZZ_SECONDS - (SECONDS - started) ))
  budget=$(( remaining / left ))
  (( budget >= 10 )) || budget=10
  auth=()
  token_name=""
  case "$level" in
    anonymous) ;;
    # A fresh token for each run: one taken at set-up may have expired by now.
    customer) token="$(login "$CUSTOMER_EMAIL")"; auth=(-H "Authorization: Bearer $token"); token_name=CUSTOMER_TOKEN ;;
    admin) token="$(login "$ADMIN_EMAIL")"; auth=(-H "Authorization: Bearer $token"); token_name=ADMIN_TOKEN ;;
    *) die "unknown level $level in FUZZ_LEVELS" ;;
  esac
  dir="$OUT/$level"
  mkdir -p "$dir"
  command=("$VENV_BIN/schemathesis" --config-file "$OUT/schemathesis.toml" run "$SCHEMA_LOCATION" --url "$BASE$BASE_PATH"
    --checks "$FUZZ_CHECKS" --phases "$FUZZ_PHASES"
    --max-time "$budget" --workers "$FUZZ_WORKERS" --seed "$FUZZ_SEED"
    --request-timeout 30 --generation-database none
    --report junit,ndjson --report-junit-path "$dir/junit.xml" --report-ndjson-path "$dir/events.ndjson"
    --no-color "${auth[@]}")
  # The line to replay this run by hand (the token elided).
  printf '%q ' "${command[@]}" | sed -E 's/Bearer\\? [^ ]+/Bearer\\ $TOKEN/' >"$dir/command.txt"
  echo >>"$dir/command.txt"
  say "run $((i + 1))/${#levels[@]}: $level, ${budget}s, seed $FUZZ_SEED"
  # --max-time ends the run; timeout is the safety net if it does not.
  status=0
  # The admin run may demote its own admin (PATCH /admin/users/{id} with an id it found
  # in a response): the role is checked against the database on each request, so the rest
  # of the run would be 403s. Put the role back within a second, and count how often.
  if [ "$level" = admin ]; then
    keep_admin "$token" "$dir/admin-demoted.log" &
    keeper_pid=$!
  fi
  # From the run's folder, where schemathesis keeps its cache (.schemathesis/).
  (cd "$dir" && exec timeout --kill-after=15 $(( budget + 120 )) "${command[@]}") >"$dir/schemathesis.log" 2>&1 &
  st_pid=$!
  wait "$st_pid" || status=$?
  st_pid=""
  stop_pid "$keeper_pid"
  keeper_pid=""
  sed 's/^/  | /' "$dir/schemathesis.log" | tail -n 60 >&2
  read -r ops cases failures errors < <(tally "$dir/events.ndjson" "$dir/failures.txt" $token_name 2>>"$dir/tally.err" || echo "? ? ? ?")
  verdict=pass
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    # Cut short by the safety net: it passes only if it had found nothing by then.
    if [ "$failures" = 0 ] && [ "$errors" = 0 ]; then verdict="pass (stopped by timeout)"; else verdict=FAIL; fi
  elif [ "$status" -ne 0 ] || [ "$failures" != 0 ] || [ "$errors" != 0 ]; then
    verdict=FAIL
  fi
  if [ "$verdict" = FAIL ]; then failed=1; else passed_runs=$((passed_runs + 1)); fi
  result[$level]="$(printf '%-10s %-26s operations %-4s test cases %-7s failures %-4s errors %-4s exit %s' \
    "$level" "$verdict" "$ops" "$cases" "$failures" "$errors" "$status")"
  kill -0 "$app_pid" 2>/dev/null || { say "rigmaster died during the $level run"; failed=1; break; }
done

# --- the summary -----------------------------------------------------------------------

{
  echo "fuzz-api: schemathesis $("$VENV_BIN/schemathesis" --version | awk '{print $NF}'), seed $FUZZ_SEED, $FUZZ_SECONDS s budget, $FUZZ_WORKERS workers"
  echo "document: $operations operations; checks: $FUZZ_CHECKS; phases: $FUZZ_PHASES"
  for level in "${levels[@]}"; do
    [ -n "${result[$level]:-}" ] && echo "${result[$level]}"
  done
  if [ -s "$OUT/admin/admin-demoted.log" ]; then
    echo "note: the admin run demoted its own admin $(grep -c . "$OUT/admin/admin-demoted.log") time(s) (PATCH /api/v1/admin/users/{id}); the role was put back each time"
  fi
  for level in "${levels[@]}"; do
    if [ -s "$OUT/$level/failures.txt" ]; then
      echo "-- $level failures:"
      sed 's/^/   /' "$OUT/$level/failures.txt"
    fi
  done
  [ "$failed" -eq 0 ] || echo "details: .data/fuzz/<level>/schemathesis.log and failures.txt; the server's side: .data/fuzz/rigmaster.log"
  echo "fuzz-api: $passed_runs passed, $(( ${#levels[@]} - passed_runs )) failed"
} | tee "$OUT/summary.txt"
exit "$failed"
