"""A broadcast killed half-way: the real bot (`guanjia run`, a process of its own) is sending a
notice to a few hundred residents through the emulator, with Telegram's limits on, and is killed
with SIGKILL after about a third; a new process is started on the same database. Nobody is
skipped, and the only copies are of messages the dead process held (sent, or being sent, and not
yet recorded): at most one extra copy a chat and at most the sender's batch in all (README,
"What may be sent twice")."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from process_helpers import until

from core.services import notices
from sandbox.broadcast import BroadcastScene, broadcast_scene, copies, kill, start_bot_process

RECIPIENTS = 300
# What one process may hold unrecorded: its claims (OutboxSender.batch_size).
IN_FLIGHT_BOUND = 100


@pytest.fixture
def framework() -> str:
    """The sender, not the front end, decides what is sent again: one front end is enough."""
    return "aiogram"


@pytest.mark.timeout(300)  # the dead process's leases run out before the resumption
async def test_a_broadcast_killed_half_way_resumes_with_none_lost(
    db_url: str, tmp_path: Path, framework: str
) -> None:
    log = tmp_path / "bot.log"
    # An 8-second lease instead of 30: what the dead process held goes out sooner.
    async with broadcast_scene(db_url, RECIPIENTS, lease_seconds=8) as scene:
        try:
            await _kill_half_way_and_resume(scene, framework, log)
        except BaseException:
            print(log.read_text(errors="replace")[-5000:] if log.exists() else "no bot log")
            raise


async def _kill_half_way_and_resume(scene: BroadcastScene, framework: str, log: Path) -> None:
    users, env, runtime, emulator = scene.users, scene.env, scene.runtime, scene.emulator
    notice_id = scene.notice_id
    assert scene.written == RECIPIENTS
    first = await start_bot_process(emulator.base_url, env, framework, log)
    try:
        await until(lambda: sum(copies(users)) >= RECIPIENTS // 3, 60, "a third delivered")
    finally:
        await kill(first, signal.SIGKILL)
    at_kill = sum(copies(users))
    assert at_kill < RECIPIENTS, "killed too late to prove anything"

    second = await start_bot_process(emulator.base_url, env, framework, log)
    try:
        # The dead process's leases run out before its messages are claimed again.
        await until(lambda: min(copies(users)) >= 1, 150, "everyone reached")
        for _ in range(100):
            async with runtime.uow_factory() as uow:
                progress = await notices.progress(uow, notice_id)
            if progress.pending == 0:
                break
            await asyncio.sleep(0.2)
    finally:
        await kill(second, signal.SIGTERM)

    got = copies(users)
    extra = sum(got) - RECIPIENTS
    print(f"delivered before the kill {at_kill}, copies {extra}, chats twice {got.count(2)}")
    assert min(got) >= 1, "somebody was skipped"
    assert max(got) <= 2, "a chat got the notice more than twice"
    assert extra <= IN_FLIGHT_BOUND, f"{extra} copies"
    assert (progress.recipients, progress.sent, progress.pending) == (RECIPIENTS,) * 2 + (0,)
