#!/usr/bin/env bash
# The Debian packages the document tests use, installed only when missing: poppler-utils (the PDF's
# text, read back with pdftotext) and chromium (the HTML opened in a real browser). The service
# itself needs none: the PDF renderer (ReportLab) is pure PyPI and embeds its own fonts.
# As root it runs apt-get (update first); otherwise it says what to install and carries on, so
# `make test` still runs (those tests are then skipped, with the reason).
set -euo pipefail

wanted=(poppler-utils chromium)

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; install poppler's pdftotext and Chromium with your" \
       "package manager to run every document test" >&2
  exit 0
fi

missing=()
for package in "${wanted[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 0
fi

echo "system-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
