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
from core.services import notices
from sandbox.broadcast import broadcast_scene, copies, kill, start_bot_process


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
    log = workdir / "bot.log"
    async with broadcast_scene(database_url, recipients, lease_seconds) as scene:
        users, env = scene.users, scene.env
        for _ in range(trials):
            if min(copies(users)) >= 1:
                break  # everyone reached before the kills ran out
            bot = await start_bot_process(scene.emulator.base_url, env, "aiogram", log)
            target = sum(copies(users)) + rng.randint(5, 40)
            await _until(lambda: sum(copies(users)) >= target, 120)  # noqa: B023
            await kill(bot, signal.SIGKILL)
            report.kills += 1
            report.delivered_at_kills.append(sum(copies(users)))
        last = await start_bot_process(scene.emulator.base_url, env, "aiogram", log)
        try:
            if not await _until(lambda: min(copies(users)) >= 1, lease_seconds + 300):
                report.problems.append("somebody was never reached")
            for _ in range(600):
                async with scene.runtime.uow_factory() as uow:
                    if (await notices.progress(uow, scene.notice_id)).pending == 0:
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
        report.too_many_requests = scene.emulator.too_many_requests  # waited out: not a problem
    report.seconds = time.monotonic() - began
    return report
