#!/usr/bin/env bash
# Renders the API reference page (/docs) in headless Chromium, offline, and checks it:
# starts a debug rigmaster on a free loopback port against a scratch database, loads /docs
# with every host but 127.0.0.1 unresolvable, and counts the operations Swagger UI drew
# from /api/v1/openapi.json (elements of class `opblock`): there must be some, as many as
# the document has. Then takes a screenshot.
#
#   deploy/local/docs_screenshot.sh            (make docs-screenshot)
#
# Installs Debian's chromium (and curl) when missing, as root; sets up the private cluster
# (deploy/local/pg.sh; or uses the one RIGMASTER_TEST_ADMIN_URL names, when it answers) and
# the Swagger UI assets (deploy/local/swagger_ui.sh); builds rigmaster. Fails when the page shows no operation, an error, or a Content-Security-Policy
# violation. Writes .data/docs.png (DOCS_SCREENSHOT to change), and leaves no process or
# database behind.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SHOT="${DOCS_SCREENSHOT:-$ROOT/.data/docs.png}"
OPENAPI_PATH=/api/v1/openapi.json
# Swagger UI starts drawing when its bundle has run; this much virtual time is plenty.
BUDGET_MS=10000

say() { printf 'docs-screenshot: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

install_debian() {
  [ "$(id -u)" -eq 0 ] || die "$* not installed. Install it (e.g. sudo apt-get install $*) and run again."
  command -v apt-get >/dev/null 2>&1 || die "$* not installed and apt-get is not available: install it and run again."
  say "installing $* from Debian packages (first run only)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
[ "${#missing[@]}" -eq 0 ] || install_debian "${missing[@]}"

find_psql() { command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1; }
# A cluster named by RIGMASTER_TEST_ADMIN_URL (as for the tests) when it answers, else the
# private one, set up when needed.
PSQL="$(find_psql)"
ADMIN_URL="${RIGMASTER_TEST_ADMIN_URL:-}"
if [ -z "$ADMIN_URL" ] || [ -z "$PSQL" ] || ! "$PSQL" -X -q "$ADMIN_URL" -c 'SELECT 1' >/dev/null 2>&1; then
  deploy/local/pg.sh ensure
  PSQL="$(find_psql)"
  ADMIN_URL="$(deploy/local/pg.sh url postgres)"
fi
deploy/local/swagger_ui.sh
say "building rigmaster"
cargo build --quiet --bin rigmaster
DB="rmdocs_screenshot_$$"
WORK="$(mktemp -d)"
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
  "$PSQL" -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 50); do
    port_taken "$port" || { echo "$port"; return; }
  done
  return 1
}
PORT="$(free_port)" || die "no free port found"
# Nothing listens there: nothing the server starts may reach the outside either.
CLOSED_PORT="$(free_port)" || die "no free port found"
BASE="http://127.0.0.1:$PORT"

"$PSQL" -X -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\"" >/dev/null
export APP_ENV=development
export DATABASE_URL="${ADMIN_URL%/*}/$DB"
export HTTP_ADDR="127.0.0.1:$PORT"
export RAZORPAY_API_BASE="http://127.0.0.1:$CLOSED_PORT/v1"
export RESERVATION_EXPIRY_INTERVAL_SECONDS=0 RECONCILE_INTERVAL_SECONDS=0
export RUST_LOG=warn
target/debug/rigmaster migrate >"$WORK/rigmaster.log" 2>&1 || { cat "$WORK/rigmaster.log" >&2; die "migrating $DB"; }
target/debug/rigmaster serve >>"$WORK/rigmaster.log" 2>&1 &
app_pid=$!

deadline=$((SECONDS + 60))
until curl -sf "$BASE/health" >/dev/null 2>&1; do
  kill -0 "$app_pid" 2>/dev/null || { cat "$WORK/rigmaster.log" >&2; die "rigmaster exited"; }
  (( SECONDS < deadline )) || die "rigmaster did not answer /health within 60 s"
  sleep 0.2
done
say "rigmaster serving on $BASE (database $DB)"

status="$(curl -s -o "$WORK/docs.html" -w '%{http_code}' "$BASE/docs")"
[ "$status" = 200 ] || { cat "$WORK/docs.html" >&2; die "/docs answered $status (built without the Swagger UI assets?)"; }
status="$(curl -s -o "$WORK/openapi.json" -w '%{http_code}' "$BASE$OPENAPI_PATH")"
[ "$status" = 200 ] || die "$OPENAPI_PATH answered $status: this rigmaster serves no OpenAPI document"
# The API's title, and how many operations the document has.
read -r documented title < <(python3 - "$WORK/openapi.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
print(sum(1 for item in doc["paths"].values() for method in item if method in methods), doc["info"]["title"])
PY
) || die "$OPENAPI_PATH is not an OpenAPI document with paths and info.title"

# Offline: every host name but 127.0.0.1 fails to resolve, and none of Chromium's own
# background traffic (updates, sync, metrics) is started.
chromium_run() {
  local profile
  profile="$(mktemp -d "$WORK/profile.XXXXXX")"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
    --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --enable-logging=stderr --v=0 --hide-scrollbars --virtual-time-budget="$BUDGET_MS" "$@"
}

say "rendering $BASE/docs"
chromium_run --dump-dom "$BASE/docs" >"$WORK/dom.html" 2>"$WORK/chromium.log" ||
  { tail -n 20 "$WORK/chromium.log" >&2; die "chromium --dump-dom failed"; }
# The page's console: a script or stylesheet the CSP refused, or a failed load, shows there.
if grep -E 'CONSOLE|Content Security Policy|Refused to' "$WORK/chromium.log" >"$WORK/console.log"; then
  sed 's/^/  console| /' "$WORK/console.log" >&2
  grep -qE 'Content Security Policy|Refused to' "$WORK/console.log" && die "the page broke its Content-Security-Policy"
fi
operations="$(grep -oE 'class="([^"]* )?opblock( [^"]*)?"' "$WORK/dom.html" | wc -l)"
grep -q 'id="swagger-ui"' "$WORK/dom.html" || die "the rendered page has no #swagger-ui"
if grep -q 'class="[^"]*errors-wrapper' "$WORK/dom.html"; then
  sed -n 's/.*\(<div class="[^"]*errors-wrapper.\{0,600\}\).*/\1/p' "$WORK/dom.html" >&2
  die "Swagger UI shows an error"
fi
(( operations > 0 )) || die "Swagger UI drew no operation (no element of class opblock)"
(( operations == documented )) || die "Swagger UI drew $operations operations of the document's $documented"
grep -qF "$title" "$WORK/dom.html" || die "the API's title ($title) is not on the page"
say "rendered: \"$title\", $operations operations (all of the document's)"

mkdir -p "$(dirname "$SHOT")"
rm -f "$SHOT"
chromium_run --screenshot="$SHOT" --window-size=1280,2400 "$BASE/docs" >/dev/null 2>"$WORK/chromium-shot.log" ||
  { tail -n 20 "$WORK/chromium-shot.log" >&2; die "chromium --screenshot failed"; }
[ -s "$SHOT" ] || die "chromium wrote no screenshot"

echo "operations: $operations"
echo "screenshot: $SHOT"
