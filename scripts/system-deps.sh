#!/usr/bin/env bash
# The Debian packages the documents need, installed only when missing.
#   scripts/system-deps.sh runtime   the PDF renderer's: Pango and a font (make demo, the server)
#   scripts/system-deps.sh test      those, plus poppler-utils (PDF text) and chromium (browser test)
# As root it runs apt-get (update first); otherwise it says what to install and carries on, so the
# commands that call it still run (the PDF answers 503 and its tests skip until the packages exist).
set -euo pipefail

runtime=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
case "${1:-test}" in
  runtime) wanted=("${runtime[@]}") ;;
  test) wanted=("${runtime[@]}" poppler-utils chromium) ;;
  *) echo "usage: $0 [runtime|test]" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; install Pango, the DejaVu fonts, poppler and" \
       "Chromium with your package manager for PDF documents and their tests" >&2
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
