#!/usr/bin/env bash
# poppler-utils (pdftotext, pdfinfo, pdftoppm): the invoicing tests read the PDFs they
# render with them, and `make invoice-sample` draws a page as PNG. Installed from Debian's
# packages when missing (as root); does nothing when they are there.
set -euo pipefail

say() { printf 'pdf-tools: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

missing=0
for tool in pdftotext pdfinfo pdftoppm; do
  command -v "$tool" >/dev/null 2>&1 || missing=1
done
[ "$missing" -eq 1 ] || exit 0

[ "$(id -u)" -eq 0 ] || die "poppler-utils is not installed. Install it (e.g. sudo apt-get install poppler-utils) and run again."
command -v apt-get >/dev/null 2>&1 || die "poppler-utils is not installed and apt-get is not available: install poppler's pdftotext, pdfinfo and pdftoppm and run again."
say "installing poppler-utils from Debian packages (first run only)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
