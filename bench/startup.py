"""How long `guanjia run` takes to start: to its first getUpdates, and to its first answer.

    .venv/bin/python -m bench.startup [--framework aiogram|ptb] [--runs 5]

The emulator runs in this process; the bot is a real `guanjia run` process of its own on a
fresh SQLite database (migrated and imported before the clock starts). A resident's /start
waits in the emulator before the bot starts, as after a restart. Three moments are timed from
the moment the process is spawned:
- the first getUpdates call (the update is then recorded and acknowledged),
- the first answer in the resident's chat (the front end imported and built, the update handled),
- the start-up line in the log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tg_emulator import Emulator
from tg_emulator import methods as emulator_methods

TOKEN = "123456:STARTUP-bench"
ROOT = Path(__file__).resolve().parent.parent
GUANJIA = [sys.executable, "-c", "from bot.cli.main import main; main()"]


class FirstPoll:
    """Wraps the emulator's getUpdates to note when the bot first asked."""

    def __init__(self) -> None:
        self.at: float | None = None
        self._original = emulator_methods.HANDLERS["getupdates"]
        emulator_methods.HANDLERS["getupdates"] = self._get_updates

    async def _get_updates(self, call: Any) -> Any:
        if self.at is None:
            self.at = time.perf_counter()
        return await self._original(call)


async def _prepare(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["import", str(ROOT / "examples" / "estate.csv")]):
        process = await asyncio.create_subprocess_exec(
            *GUANJIA, *command, env=env, stdout=asyncio.subprocess.DEVNULL
        )
        if await process.wait():
            raise SystemExit(f"guanjia {' '.join(command)} failed")


async def one_run(framework: str) -> dict[str, float]:
    emulator = Emulator(rate_limits=False)
    emulator.add_bot(TOKEN, username="startup_bench_bot")
    await emulator.start(port=0)
    first_poll = FirstPoll()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = dict(
                os.environ,
                DATABASE_URL=f"sqlite+aiosqlite:///{folder}/guanjia.db",
                BOT_TOKEN=TOKEN,
                FRAMEWORK=framework,
                LOG_LEVEL="INFO",
            )
            await _prepare(env)
            resident = emulator.create_user(first_name="Startup")
            await resident.send_text("/start")
            spawned = time.perf_counter()
            bot = await asyncio.create_subprocess_exec(
                *GUANJIA,
                "run",
                "--api-base",
                emulator.base_url,
                env=env,
                stderr=asyncio.subprocess.PIPE,
            )
            started_line: float | None = None
            try:
                assert bot.stderr is not None
                while started_line is None:
                    line = await asyncio.wait_for(bot.stderr.readline(), 120)
                    if not line:
                        raise SystemExit("the bot stopped before it said it started")
                    if b"guanjia " in line and b"estates:" in line:
                        started_line = time.perf_counter()
                await resident.next_message(timeout=120)
                answered = time.perf_counter()
            finally:
                bot.terminate()
                await bot.wait()
        assert first_poll.at is not None
        return {
            "first getUpdates": first_poll.at - spawned,
            "start-up line": started_line - spawned,
            "first answer": answered - spawned,
        }
    finally:
        emulator_methods.HANDLERS["getupdates"] = first_poll._original
        await emulator.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["aiogram", "ptb"], default="aiogram")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [await one_run(args.framework) for _ in range(args.runs)]
    print(f"guanjia run ({args.framework}), {args.runs} runs, seconds after the process started")
    print("| moment | median | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for moment in runs[0]:
        values = [run[moment] for run in runs]
        print(
            f"| {moment} | {statistics.median(values):.2f} | {min(values):.2f} "
            f"| {max(values):.2f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
