"""`guanjia run` itself, as an office starts it: a real process over the emulator.

It says what it serves on its first line, receives before its front end has loaded (a resident
who wrote while it was down is answered), and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.runtime.resources import build_runtime
from bot.runtime.settings import Settings
from core import migrate
from core.crypto import new_key
from core.services.importer import import_csv
from tg_emulator import Emulator

from dbutil import EACH_DATABASE_AND_FRONT_END_ONCE

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "424242:RUN-test"
GUANJIA = [sys.executable, "-c", "from bot.cli.main import main; main()"]


async def _imported(db_url: str) -> dict[str, str]:
    """The example estate in a fresh database; the environment `guanjia run` gets."""
    key = new_key()
    env = dict(
        os.environ, DATABASE_URL=db_url, BOT_TOKEN=TOKEN, LOG_LEVEL="INFO", LOG_FORMAT="text"
    )
    env["DATA_KEY"] = key
    await migrate.upgrade(db_url)
    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, key=key)
    try:
        async with runtime.uow_factory() as uow:
            await import_csv(uow, (ROOT / "examples" / "estate.csv").read_bytes())
            await uow.commit()
    finally:
        await runtime.close()
    return env


@EACH_DATABASE_AND_FRONT_END_ONCE
@pytest.mark.timeout(300)  # a real process: its imports alone take seconds on a busy machine
async def test_the_bot_process_starts_answers_what_waited_and_stops_cleanly(
    db_url: str, framework: str, emulator: Emulator, tmp_path: Path
) -> None:
    env = await _imported(db_url)
    env["FRAMEWORK"] = framework
    emulator.add_bot(TOKEN, username="guanjia_run_test_bot")
    resident = emulator.create_user(first_name="住户", language_code="zh-hant")
    await resident.send_text("/start")  # written while the bot was down

    bot = await asyncio.create_subprocess_exec(
        *GUANJIA,
        "run",
        "--api-base",
        emulator.base_url,
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    log = Log(bot)
    try:
        first = await log.line_with("estates:")
        assert f"guanjia {framework}: bot @guanjia_run_test_bot, long polling" in first
        assert "BX" in first
        welcome = await resident.next_message(timeout=90)
        assert "歡迎" in welcome.text or "綁定" in welcome.text
    finally:
        stopped = await _stop(bot)
        await log.reader
    written = "".join(log.lines)
    # On SQLite a statement cut short at the stop once kept the write lock, and the sender
    # could not record its last deliveries (sent again after the restart).
    assert "database is locked" not in written
    assert stopped, "guanjia run did not stop within 90 s of SIGTERM"
    assert "Traceback" not in written


class Log:
    """The process's log, read as it comes: a pipe nobody reads fills up, and a process
    writing to a full pipe stops in the middle of its work (SIGTERM included)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        self.stream = process.stderr
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self.stream.readline():
            self.lines.append(line.decode())
            self.changed.set()
        self.changed.set()  # the end: whoever waits for a line learns there is none to come

    async def line_with(self, text: str, timeout: float = 90) -> str:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while True:
                found = [line for line in self.lines if text in line]
                if found:
                    return found[0]
                if self.reader.done():
                    raise AssertionError("guanjia run ended: " + "".join(self.lines))
                self.changed.clear()
                await self.changed.wait()


async def _stop(bot: asyncio.subprocess.Process) -> bool:
    """SIGTERM, as systemd sends it; True if the process ended by itself with status 0."""
    bot.send_signal(signal.SIGTERM)
    try:
        status = await asyncio.wait_for(bot.wait(), 90)
    except TimeoutError:
        bot.kill()
        await bot.wait()
        return False
    return status == 0
