#!/usr/bin/env bash
# The demo: the Bot API emulator, a demo estate and the bot, with scripted conversations printed
# as each person sees them. No token, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/guanjia demo "$@"
