"""The crash harness (sandbox/crashing.py): the real bot killed with SIGKILL at random points of
a busy intake, then checked for lost orders, lost updates and copies beyond the in-flight window;
with `--broadcast`, killed again and again while it sends one notice to `--recipients`
residents (sandbox/crash_broadcast.py), then checked for anybody skipped and copies beyond it.

    .venv/bin/python -m bench.crash --database postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.crash --database sqlite --trials 20 --residents 20
    .venv/bin/python -m bench.crash --database sqlite --trials 20 --broadcast --recipients 600

Exits 1 when any promise is broken, naming each. The bot's log is kept in a temporary folder
(printed) when something went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from bench.resident_flow import scratch_database
from sandbox.crash_broadcast import BroadcastCrashReport, crash_broadcast
from sandbox.crashing import CrashReport, crash_intake


async def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="guanjia-crash-"))
    database = "sqlite+aiosqlite://" if args.database == "sqlite" else args.database
    async with scratch_database(database) as url:  # a fresh file or schema, removed after
        if args.broadcast:
            report: CrashReport | BroadcastCrashReport = await crash_broadcast(
                url, folder, trials=args.trials, recipients=args.recipients, seed=args.seed
            )
        else:
            report = await crash_intake(
                url, folder, trials=args.trials, residents=args.residents, seed=args.seed
            )
    print(report.summary())
    for problem in report.problems:
        print("  PROBLEM:", problem)
    if report.problems:
        print(f"the bot's log: {folder / 'bot.log'}")
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="a PostgreSQL URL, or sqlite")
    parser.add_argument("--trials", type=int, default=20, help="kills in the run")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--broadcast", action="store_true", help="kills during a notice")
    parser.add_argument("--recipients", type=int, default=600, help="with --broadcast")
    parser.add_argument("--seed", type=int, default=None)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
