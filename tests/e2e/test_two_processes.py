"""Two bot processes on one PostgreSQL, as an office scales out: `guanjia run` twice (one on each
front end), a notice to a few hundred residents, Telegram's limits on in the emulator. Together
they stay under the bot-wide limit (no 429) and each resident gets the notice once; one process
polls and the other stands by; killed, the poller hands polling to the other, which answers the
next resident."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from process_helpers import until

from bot.runtime.resources import build_runtime
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.models import Base
from core.services import importer
from sandbox.broadcast import (
    bot_environment,
    copies,
    kill,
    notice_to_estate,
    seed_residents,
    start_bot_process,
)
from sandbox.world import BOT_USERNAME, SAMPLE_ESTATE, TOKEN
from tg_emulator import Emulator

RECIPIENTS = 240
STANDING_BY = "this one stands by"
SHARING = "2 senders share the bot's sending rate"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite serves one machine
@pytest.mark.timeout(300)
async def test_two_processes_share_the_limit_and_the_polling(db_url: str, tmp_path: Path) -> None:
    emulator = Emulator()  # Telegram's limits on: 30 a second per bot, about 1 per chat
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    key = new_key()
    runtime = build_runtime(Settings(database_url=db_url, _env_file=None), key=key)  # type: ignore[call-arg]
    logs = {framework: tmp_path / f"{framework}.log" for framework in ("aiogram", "ptb")}
    processes: dict[str, asyncio.subprocess.Process] = {}
    try:
        async with runtime.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with runtime.uow_factory() as uow:
            await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
            users = await seed_residents(uow, emulator, RECIPIENTS + 1)
            await uow.commit()
        newcomer, users = users[-1], users[:-1]  # writes after the poller died
        env = bot_environment(db_url, key, TOKEN, BOT_USERNAME, LOG_LEVEL="INFO")
        for framework, log in logs.items():
            processes[framework] = await start_bot_process(emulator.base_url, env, framework, log)

        def said(framework: str, what: str) -> bool:
            return logs[framework].exists() and what in logs[framework].read_text(errors="replace")

        await until(lambda: all(said(f, SHARING) for f in logs), 120, "both sending")
        await notice_to_estate(runtime.uow_factory, "本周六上午在会所举办亲子活动。")
        await until(lambda: min(copies(users)) >= 1, 120, "everyone reached")
        await asyncio.sleep(1.0)  # a copy would come now
        assert copies(users) == [1] * RECIPIENTS
        assert emulator.too_many_requests == 0  # together under the bot-wide limit

        standing_by = [framework for framework in logs if said(framework, STANDING_BY)]
        assert len(standing_by) == 1, "exactly one process polls"
        [other] = standing_by
        [poller] = [framework for framework in logs if framework != other]
        await kill(processes[poller], signal.SIGKILL)
        before = copies([newcomer])[0]
        await newcomer.send_text("/start")
        await until(lambda: copies([newcomer])[0] > before, 60, f"{other} answers after")
        assert said(other, "this process now leads: polling")
    except BaseException:
        for framework, log in logs.items():
            text = log.read_text(errors="replace")[-3000:] if log.exists() else "no log"
            print(f"--- {framework}\n{text}")
        raise
    finally:
        for process in processes.values():
            await kill(process, signal.SIGTERM)
        await runtime.close()
        await emulator.stop()
