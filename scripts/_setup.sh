# Shared by serve.sh and test.sh: a virtual environment with the project installed, translations compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== Creating the virtual environment (.venv)"
  "$PYTHON" -m venv .venv
fi
echo "== Installing tagsvc${1:+ with [$1]}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${1:+[$1]}"
.venv/bin/pybabel -q compile -d tagsvc/translations
