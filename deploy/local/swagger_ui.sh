#!/usr/bin/env bash
# Fetches the Swagger UI assets that `rigmaster` embeds for its reference page (`/docs`):
# the `swagger-ui-dist` tarball from the npm registry, checked against the sha512 pinned
# below, of which only the files the page needs are kept, in
# .data/vendor/swagger-ui-dist-<version>/ (bins/api/build.rs embeds them from there).
#
#   deploy/local/swagger_ui.sh          fetch them unless already there
#   deploy/local/swagger_ui.sh dir      print the folder they go in
#
# Needs curl, tar, sha512sum and base64 (curl is installed from Debian's packages when
# missing, as root). RIGMASTER_NPM_REGISTRY overrides the registry (default: npm's own
# setting when npm is installed, else the public registry); the checksum is checked
# whatever the registry.
#
# To move to another version: `npm view swagger-ui-dist@VERSION dist.integrity`, and put
# both here (build.rs reads SWAGGER_UI_VERSION from this file).
set -euo pipefail

SWAGGER_UI_VERSION=5.35.0
SWAGGER_UI_INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
# What the page serves (bundle, stylesheet, icon) and what its licence asks to go with it.
FILES=(swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENDOR="$ROOT/.data/vendor"
DEST="$VENDOR/swagger-ui-dist-$SWAGGER_UI_VERSION"

say() { printf 'swagger-ui: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

work=""

complete() {
  local file
  for file in "${FILES[@]}"; do [ -s "$DEST/$file" ] || return 1; done
}

registry() {
  local url="${RIGMASTER_NPM_REGISTRY:-}"
  if [ -z "$url" ] && command -v npm >/dev/null 2>&1; then
    url="$(npm config get registry 2>/dev/null || true)"
  fi
  url="${url:-https://registry.npmjs.org/}"
  echo "${url%/}"
}

need_curl() {
  command -v curl >/dev/null 2>&1 && return
  [ "$(id -u)" -eq 0 ] || die "curl is not installed. Install it (e.g. sudo apt-get install curl) and run again."
  command -v apt-get >/dev/null 2>&1 || die "curl is not installed and apt-get is not available: install curl and run again."
  say "installing curl from Debian packages (first run only)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
}

# The hex sha512 that an npm `sha512-<base64>` integrity stands for.
integrity_hex() {
  printf '%s' "${1#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

fetch() {
  need_curl
  local url got
  url="$(registry)/swagger-ui-dist/-/swagger-ui-dist-$SWAGGER_UI_VERSION.tgz"
  mkdir -p "$VENDOR"
  work="$(mktemp -d "$VENDOR/.swagger-ui.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  say "fetching swagger-ui-dist $SWAGGER_UI_VERSION from the npm registry"
  curl -fsSL --retry 3 --connect-timeout 20 -o "$work/package.tgz" "$url" || die "could not download $url"
  got="$(sha512sum "$work/package.tgz" | cut -d' ' -f1)"
  [ "$got" = "$(integrity_hex "$SWAGGER_UI_INTEGRITY")" ] ||
    die "swagger-ui-dist-$SWAGGER_UI_VERSION.tgz does not match the pinned integrity (got sha512 $got); nothing installed"
  tar -xzf "$work/package.tgz" -C "$work" --no-same-owner --touch "${FILES[@]/#/package/}"
  rm -rf "$DEST"
  mv "$work/package" "$DEST"
  complete || die "the tarball lacks some of: ${FILES[*]}"
  say "installed in $DEST"
}

case "${1:-fetch}" in
  fetch) complete || fetch ;;
  dir) echo "$DEST" ;;
  *) die "usage: $0 [fetch|dir]" ;;
esac
