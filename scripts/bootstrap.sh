#!/usr/bin/env bash
# Creates .venv and installs the project with its development tools, once per pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Guanjia needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
# constraints.txt pins every package to the versions the tests last passed with, so that a new
# release elsewhere cannot break a clean install; refresh it with
# `.venv/bin/pip freeze --exclude-editable > constraints.txt` after upgrading on purpose.
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Setting up .venv (first run only)..."
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
