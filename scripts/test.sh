#!/usr/bin/env bash
# The whole check: lint, the core/bot import contract, the catalogues, and every test on SQLite
# and on PostgreSQL. Extra arguments go to pytest (e.g. scripts/test.sh -k report).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
echo "== import contracts (core/ never imports bot/, aiogram or telegram)"
.venv/bin/lint-imports --no-cache
echo "== catalogues (every message translated in zh_Hans and zh_Hant)"
.venv/bin/python scripts/i18n.py check

export GUANJIA_TEST_PG_URL=${GUANJIA_TEST_PG_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}
if ! .venv/bin/python scripts/pg_ready.py "$GUANJIA_TEST_PG_URL"; then
  if [ "${GUANJIA_REQUIRE_PG:-0}" = "1" ]; then
    echo "PostgreSQL at $GUANJIA_TEST_PG_URL is required here but cannot be reached." >&2
    exit 1
  fi
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!  PostgreSQL is not reachable at $GUANJIA_TEST_PG_URL"
  echo "!!  The PostgreSQL half of the tests will be SKIPPED: this run proves SQLite only."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo
  unset GUANJIA_TEST_PG_URL
fi
echo "== tests"
# Three workers on two cores: most of a test waits (on the database, the emulator, the sender).
exec .venv/bin/pytest -n 3 "$@"
