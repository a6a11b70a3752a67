"""The outbox sender against the emulator with Telegram's limits on: 429s are waited out and
order is kept, 5xx and dropped connections are retried, a person who blocked the bot is marked
and skipped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.channels.aiogram_channel import AiogramTransport, make_bot
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.sender import OutboxSender, SendRates
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.enums import OutboxStatus
from core.models import Base, ChatIdentity, OutboxMessage
from core.services import identities, outbox
from tg_emulator import Emulator, SimUser

TOKEN = "123456:OUTBOX-test"


@dataclass
class Rig:
    emulator: Emulator
    runtime: Runtime
    sender: OutboxSender
    user: SimUser

    async def enqueue(self, *texts: str, chat_id: int | None = None) -> None:
        async with self.runtime.uow_factory() as uow:
            for text in texts:
                await outbox.enqueue(uow, chat_id or self.user.chat_id, {"text": text})
            await uow.commit()
        self.sender.wake()

    async def settled(self) -> list[str]:
        """The statuses once nothing is pending any more (the sender records after sending)."""
        for _ in range(100):
            statuses = await self.statuses()
            if OutboxStatus.PENDING not in statuses:
                return statuses
            await asyncio.sleep(0.1)
        return await self.statuses()

    async def statuses(self) -> list[str]:
        async with self.runtime.uow_factory() as uow:
            rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            return [row.status for row in rows]


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[Rig]:
    async with Emulator(rate_limits=True, seed=7) as emulator:
        emulator.add_bot(TOKEN)
        user = emulator.create_user(first_name="王", language_code="zh-hans")
        await user.send_text("hi")  # a bot may only write to people who wrote first
        settings = Settings(database_url=db_url, bot_token=TOKEN, _env_file=None)  # type: ignore[call-arg]
        runtime = build_runtime(settings, key=new_key())
        async with runtime.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with runtime.uow_factory() as uow:
            await identities.touch(uow, "telegram", user.id, user.chat_id, "zh-hans")
            await uow.commit()
        bot = make_bot(TOKEN, emulator.base_url)
        # Looser than Telegram on purpose, so that the emulator answers 429 and we see it obeyed.
        rates = SendRates(per_second=1000, private_chat_burst=100, private_chat_per_second=100)
        sender = OutboxSender(runtime.uow_factory, AiogramTransport(bot), rates)
        task = asyncio.create_task(sender.run())
        try:
            yield Rig(emulator, runtime, sender, user)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await bot.session.close()
            await runtime.close()


async def bot_texts(user: SimUser, count: int, wait: float = 15) -> list[str]:
    return [(await user.next_message(timeout=wait)).body for _ in range(count)]


async def test_a_burst_meets_429_and_still_arrives_whole_and_in_order(rig: Rig) -> None:
    texts = [f"消息 {n}" for n in range(8)]
    await rig.enqueue(*texts)
    assert await bot_texts(rig.user, len(texts)) == texts
    assert rig.emulator.stats()["too_many_requests"] >= 1
    assert set(await rig.settled()) == {OutboxStatus.SENT}
    rig.emulator.assert_no_violations()


async def test_server_errors_and_dropped_connections_are_retried(rig: Rig) -> None:
    rig.emulator.set_faults("5xx", share=1.0, seconds=1.0, methods=["sendMessage"])
    await rig.enqueue("第一条")
    assert await bot_texts(rig.user, 1) == ["第一条"]
    rig.emulator.set_faults("drop", share=1.0, seconds=1.0, methods=["sendMessage"])
    await rig.enqueue("第二条")
    assert await bot_texts(rig.user, 1) == ["第二条"]
    assert set(await rig.settled()) == {OutboxStatus.SENT}


async def test_a_person_who_blocked_the_bot_is_marked_and_skipped(rig: Rig) -> None:
    rig.emulator.block(rig.user)
    await rig.enqueue("您好", "还在吗")
    assert await rig.settled() == [OutboxStatus.SKIPPED, OutboxStatus.SKIPPED]
    async with rig.runtime.uow_factory() as uow:
        identity = await uow.session.scalar(select(ChatIdentity))
        assert identity is not None and identity.blocked
    assert rig.emulator.stats()["calls"].get("sendMessage", 0) == 1  # the second never tried


async def test_a_stopped_sender_leases_nothing_so_the_next_process_sends_at_once(
    db_url: str,
) -> None:
    settings = Settings(database_url=db_url, bot_token=TOKEN, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, key=new_key())
    try:
        async with Emulator(rate_limits=False) as emulator:
            emulator.add_bot(TOKEN)
            bot = make_bot(TOKEN, emulator.base_url)
            sender = OutboxSender(runtime.uow_factory, AiogramTransport(bot))
            async with runtime.engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            task = asyncio.create_task(sender.run())
            await asyncio.sleep(0.05)
            assert sender.writer_lease() is not None  # running: answers go out at once
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            # Stopped (a deploy under way): what is written now must not wait out a lease.
            assert sender.writer_lease() is None
            await bot.session.close()
    finally:
        await runtime.close()
