"""Several bot processes on one database: they share the bot-wide sending rate (Telegram's limit is
per bot token), and one of them polls while the others stand by to take over.

Each "process" here is a runtime with its own engine (its own connections and locks), as a
second `guanjia run` would have; tests/e2e/test_two_processes.py runs two real ones."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from process_helpers import process_runtime

from bot.channels import telegram_intake
from bot.channels.telegram_intake import Intake
from bot.runtime import send_share
from bot.runtime.resources import Runtime
from bot.runtime.send_share import SendShare
from bot.runtime.sender import Delivery, OutboxSender, SendRates
from core.crypto import new_key
from core.services import outbox, senders, updates
from core.services.outbox import OutboxItem

KEY = new_key()
BOT = 4242


def process(db_url: str, create: bool = False) -> contextlib.AbstractAsyncContextManager[Runtime]:
    return process_runtime(db_url, KEY, create, token=f"{BOT}:SCALE")


async def test_the_senders_alive_are_counted_and_a_silent_one_drops_out(db_url: str) -> None:
    async with process(db_url, create=True) as runtime:
        start = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
        async with runtime.uow_factory() as uow:
            assert await senders.check_in(uow, "a", start) == 1
            assert await senders.check_in(uow, "b", start + timedelta(seconds=1)) == 2
            assert await senders.check_in(uow, "a", start + timedelta(seconds=5)) == 2
            # b said nothing for longer than SEEN_WITHIN: it died, a sends alone again
            later = start + timedelta(seconds=1) + senders.SEEN_WITHIN + timedelta(seconds=1)
            assert await senders.check_in(uow, "a", later) == 1
            assert await senders.check_in(uow, "b", later) == 2  # back
            await senders.check_out(uow, "b")
            assert await senders.check_in(uow, "a", later) == 1
            await uow.commit()


class TimedTransport:
    """Delivers at once and notes when, across every sender that uses one."""

    def __init__(self, log: list[tuple[float, int]]) -> None:
        self.log = log
        self.ids = count(1)

    async def deliver(self, item: OutboxItem) -> Delivery:
        self.log.append((asyncio.get_running_loop().time(), item.chat_id))
        return Delivery(message_id=next(self.ids))


def _lowest_bucket(times: list[float], per_second: float) -> float:
    """Telegram's limit as the emulator keeps it: a bucket of `per_second` tokens, refilled at
    `per_second` a second, one token a message. The lowest it went (below -1: a 429)."""
    tokens, lowest, last = per_second, per_second, None
    for t in sorted(times):
        if last is not None:
            tokens = min(per_second, tokens + (t - last) * per_second)
        tokens -= 1
        lowest, last = min(lowest, tokens), t
    return lowest


async def test_two_senders_together_stay_under_the_bot_wide_rate(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broadcast of 40 messages, two processes, a bot-wide limit of 10 a second: each sends
    part of it, and together they keep within the limit (alone each would send 10 a second,
    20 together: Telegram would answer 429)."""
    monkeypatch.setattr(send_share, "CHECK_IN_SECONDS", 0.2)
    rates = SendRates(per_second=10, private_chat_burst=5)
    async with process(db_url, create=True) as first, process(db_url) as second:
        async with first.uow_factory() as uow:
            for chat_id in range(1, 41):
                await outbox.enqueue(uow, chat_id, {"text": f"节日快乐 {chat_id}"})
            await uow.commit()
        delivered: dict[str, list[tuple[float, int]]] = {"first": [], "second": []}
        tasks = []
        for name, runtime in (("first", first), ("second", second)):
            sender = OutboxSender(
                runtime.uow_factory, TimedTransport(delivered[name]), rates, batch_size=20
            )
            share = SendShare(runtime.uow_factory, sender.limits, every=0.2)
            tasks += [asyncio.create_task(share.run()), asyncio.create_task(sender.run())]
        try:
            for _ in range(300):
                if len(delivered["first"]) + len(delivered["second"]) == 40:
                    break
                await asyncio.sleep(0.05)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    everything = delivered["first"] + delivered["second"]
    assert sorted(chat for _, chat in everything) == list(range(1, 41))  # each once
    assert delivered["first"] and delivered["second"]  # both took part
    assert _lowest_bucket([t for t, _ in everything], per_second=10) >= -1  # no 429


class Handler:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen: list[int] = []

    async def __call__(self, update: dict[str, Any]) -> None:
        async with self.runtime.uow_factory() as uow:
            if await updates.claim(uow, "telegram", BOT, update["update_id"]):
                self.seen.append(update["update_id"])
            await uow.commit()


async def _until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("waited in vain")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite: one machine
async def test_one_process_polls_and_another_takes_over_when_it_dies(
    db_url: str, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_intake, "STANDBY_SECONDS", 0.2)
    bot = emulator.add_bot(f"{BOT}:SCALE")
    resident = emulator.create_user(first_name="轮")
    async with process(db_url, create=True) as first, process(db_url) as second:
        first_handler, second_handler = Handler(first), Handler(second)
        first_intake = Intake(first.uow_factory, BOT, first_handler)
        second_intake = Intake(second.uow_factory, BOT, second_handler)
        first_polls = asyncio.create_task(first_intake.poll(emulator.base_url, bot.token, 1))
        await asyncio.sleep(0.3)  # the first holds the lock
        second_polls = asyncio.create_task(second_intake.poll(emulator.base_url, bot.token, 1))
        try:
            await asyncio.sleep(0.5)
            await resident.send_text("一")
            await _until(lambda: first_handler.seen or second_handler.seen)
            assert first_handler.seen == [1] and second_handler.seen == []
            first_polls.cancel()  # the poller dies; PostgreSQL frees its lock
            await asyncio.gather(first_polls, return_exceptions=True)
            await resident.send_text("二")
            await _until(lambda: second_handler.seen)
            assert second_handler.seen == [2] and first_handler.seen == [1]
        finally:
            for task in (first_polls, second_polls):
                task.cancel()
            await asyncio.gather(first_polls, second_polls, return_exceptions=True)
