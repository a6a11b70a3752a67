"""The real bot (`guanjia run`) killed with SIGKILL again and again while it sends one notice to
many residents through the emulator, Telegram's limits on; a new process is started after each
kill, and one last process finishes the notice. Then: everyone has it (nobody skipped), no chat
has it more often than once plus once per kill, and the copies in all are within the in-flight
window (the sender's batch of claimed messages per kill; README, "What is guaranteed").
`python -m bench.crash --broadcast` runs it; tests/e2e/test_broadcast_killed.py is one kill."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.runtime.core import BATCH
from bot.runtime.resources import build_runtime
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.services import notices
from sandbox.broadcast import (
    bot_environment,
    copies,
    kill,
    notice_to_estate,
    seed_residents,
    start_bot_process,
)
from sandbox.world import BOT_USERNAME, TOKEN, prepare_database
from tg_emulator import Emulator


@dataclass
class BroadcastCrashReport:
    database: str
    trials: int
    recipients: int
    seconds: float = 0.0
    kills: int = 0
    delivered_at_kills: list[int] = field(default_factory=list)
    copies: int = 0
    most_to_one_chat: int = 0
    too_many_requests: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.database}: a notice to {self.recipients} residents, {self.kills} kills "
            f"(delivered by then: {self.delivered_at_kills}), {self.seconds:.0f} s: "
            f"{self.copies} copies, at most {self.most_to_one_chat} to one chat, "
            f"{self.too_many_requests} 429s waited out; {len(self.problems)} problems"
        )


async def _until(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def crash_broadcast(
    database_url: str,
    workdir: Path,
    *,
    trials: int,
    recipients: int = 600,
    seed: int | None = None,
    lease_seconds: float = 30.0,
) -> BroadcastCrashReport:
    """`database_url`: an empty database. Each kill comes a random 5–40 deliveries after the
    process (re)started delivering."""
    rng = random.Random(seed)
    report = BroadcastCrashReport(database_url.split(":", 1)[0], trials, recipients)
    began = time.monotonic()
    emulator = Emulator()  # Telegram's limits on: 30 a second per bot, about 1 per chat
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    key = new_key()
    runtime = build_runtime(Settings(database_url=database_url, _env_file=None), key=key)  # type: ignore[call-arg]
    log = workdir / "bot.log"
    try:
        await prepare_database(runtime)
        async with runtime.uow_factory() as uow:
            users = await seed_residents(uow, emulator, recipients)
            await uow.commit()
        notice_id, _ = await notice_to_estate(runtime.uow_factory, "本周六上午在会所举办亲子活动。")
        env = bot_environment(
            database_url, key, TOKEN, BOT_USERNAME, OUTBOX_LEASE_SECONDS=str(lease_seconds)
        )
        for _ in range(trials):
            if min(copies(users)) >= 1:
                break  # everyone reached before the kills ran out
            bot = await start_bot_process(emulator.base_url, env, "aiogram", log)
            target = sum(copies(users)) + rng.randint(5, 40)
            await _until(lambda: sum(copies(users)) >= target, 120)  # noqa: B023
            await kill(bot, signal.SIGKILL)
            report.kills += 1
            report.delivered_at_kills.append(sum(copies(users)))
        last = await start_bot_process(emulator.base_url, env, "aiogram", log)
        try:
            if not await _until(lambda: min(copies(users)) >= 1, lease_seconds + 300):
                report.problems.append("somebody was never reached")
            for _ in range(600):
                async with runtime.uow_factory() as uow:
                    if (await notices.progress(uow, notice_id)).pending == 0:
                        break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)  # a copy would come now
        finally:
            await kill(last, signal.SIGTERM)
        got = copies(users)
        report.copies = sum(got) - recipients
        report.most_to_one_chat = max(got)
        if max(got) > 1 + report.kills:
            report.problems.append(f"a chat got the notice {max(got)} times")
        if report.copies > report.kills * BATCH:
            report.problems.append(f"{report.copies} copies, beyond {BATCH} per kill")
        report.too_many_requests = emulator.too_many_requests  # waited out: not a problem
    finally:
        await runtime.close()
        await emulator.stop()
    report.seconds = time.monotonic() - began
    return report
