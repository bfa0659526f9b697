#!/usr/bin/env bash
# Sets up everything the tests need (Chromium from Debian when missing) and runs the whole suite.
# Extra arguments go to pytest. TAGSVC_TEST_DATABASE_URL runs it against PostgreSQL instead of SQLite.
source "$(dirname "$0")/_setup.sh" test
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The label font (Chinese text embedded in label PDFs), also used by Chromium for the screenshots.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== Installing from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "== Lint (ruff: pyflakes, bugbear, pyupgrade; configured in pyproject.toml)"
.venv/bin/ruff check .
echo "== Running the tests${TAGSVC_TEST_DATABASE_URL:+ against $TAGSVC_TEST_DATABASE_URL}"
exec .venv/bin/python -m pytest "$@"
