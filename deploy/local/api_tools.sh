#!/usr/bin/env bash
# The Python tools that check the OpenAPI document and fuzz the API (schemathesis,
# openapi-spec-validator), in a virtualenv of the checkout: .data/venv.
#
#   deploy/local/api_tools.sh          create the venv if missing, install the pinned
#                                      versions of deploy/local/api-tools-requirements.txt
#   deploy/local/api_tools.sh path     print the venv's bin folder
#
# Idempotent: when the venv already holds what the requirements file names (a stamp of the
# file's contents), it does nothing. Installs Debian's python3-venv (as root) when
# `python3 -m venv` cannot make a venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.data/venv"
REQUIREMENTS="$ROOT/deploy/local/api-tools-requirements.txt"
STAMP="$VENV/.requirements.sha256"

say() { printf 'api_tools: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [ "${1:-}" = "path" ]; then echo "$VENV/bin"; exit 0; fi
[ $# -eq 0 ] || die "usage: $0 [path]"

command -v python3 >/dev/null 2>&1 || die "python3 is not installed (Debian: apt-get install python3 python3-venv)"

wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] \
  && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  exit 0
fi

make_venv() {
  rm -rf "$VENV"
  python3 -m venv "$VENV" >/dev/null 2>&1 && [ -x "$VENV/bin/pip" ]
}

mkdir -p "$ROOT/.data"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  say "creating the virtualenv $VENV"
  if ! make_venv; then
    [ "$(id -u)" -eq 0 ] || die "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv) and run again"
    command -v apt-get >/dev/null 2>&1 || die "python3 -m venv failed and apt-get is not available: install the venv module and run again"
    # Debian also names it after the minor version (python3.11-venv); either brings ensurepip.
    minor="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    say "python3 -m venv failed: installing Debian's python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null 2>&1 || true
    make_venv || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$minor-venv" >/dev/null 2>&1 || true
      make_venv
    } || die "python3 -m venv still fails after installing python3-venv (is python3 Debian's?)"
  fi
fi

say "installing $(grep -v '^\s*#' "$REQUIREMENTS" | grep -v '^\s*$' | tr '\n' ' ')into $VENV"
rm -f "$STAMP"
# No cache under ~/.cache: everything the tools need stays in the venv under .data/.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir -r "$REQUIREMENTS"
echo "$wanted" >"$STAMP"
say "ready: $("$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | grep -iE '^(schemathesis|openapi-spec-validator)==' | tr '\n' ' ')"
