"""The intake's own rules (bot.channels.telegram_intake), without a bot: what is recorded, what
is handed on, what is handled again after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.channels.telegram_intake import STALE_AFTER, Intake
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from core.clock import FakeClock
from core.crypto import new_key
from core.models import Base
from core.services import updates

BOT = 42


@pytest.fixture
async def runtime(db_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=db_url, bot_token="42:x", _env_file=None)  # type: ignore[call-arg]
    built = build_runtime(settings, clock=clock, key=new_key())
    async with built.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield built
    finally:
        await built.close()


class Handler:
    """Claims each update as the pipeline would; `hold` keeps a handling from finishing."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen: list[int] = []
        self.hold = asyncio.Event()
        self.hold.set()

    async def __call__(self, update: dict[str, Any]) -> None:
        self.seen.append(update["update_id"])
        await self.hold.wait()
        async with self.runtime.uow_factory() as uow:
            await updates.claim(uow, "telegram", BOT, update["update_id"])
            await uow.commit()


def _message(update_id: int, chat: int = 7) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": {"id": chat}, "text": "x"},
    }


async def _settle(intake: Intake) -> None:
    await asyncio.gather(*intake._in_flight.values())


async def test_only_what_the_bot_handles_is_recorded_and_each_update_is_handed_on_once(
    runtime: Runtime,
) -> None:
    handler = Handler(runtime)
    intake = Intake(runtime.uow_factory, BOT, handler)
    edit = {"update_id": 3, "edited_message": _message(3)["message"]}
    fresh = await intake.record([_message(1), _message(2), edit])
    assert [u["update_id"] for u in fresh] == [1, 2]
    assert await intake.record([_message(2)]) == []  # delivered again before acknowledged
    intake.hand_on(fresh)
    intake.hand_on(fresh)  # already in hand
    await _settle(intake)
    assert handler.seen == [1, 2]
    assert await intake.recover() == 0  # both handled


async def test_what_a_crash_left_unhandled_is_handled_at_the_next_start(runtime: Runtime) -> None:
    dying = Handler(runtime)
    dying.hold.clear()  # the handlings never finish: the process dies under them
    first = Intake(runtime.uow_factory, BOT, dying)
    first.hand_on(await first.record([_message(1), _message(2, chat=8)]))
    await asyncio.sleep(0)
    assert dying.seen == [1, 2]
    await first.stop()  # cancelled before their commits

    handler = Handler(runtime)
    second = Intake(runtime.uow_factory, BOT, handler)
    assert await second.recover() == 2
    await _settle(second)
    assert handler.seen == [1, 2]
    async with runtime.uow_factory() as uow:
        assert await updates.pending(uow, "telegram", BOT) == []


async def test_the_sweep_takes_only_what_was_left_behind(
    runtime: Runtime, clock: FakeClock
) -> None:
    handler = Handler(runtime)
    handler.hold.clear()
    intake = Intake(runtime.uow_factory, BOT, handler)
    await intake.record([_message(1)])  # recorded, its handler gone without a trace
    intake.hand_on(await intake.record([_message(2)]))  # in hand, slow
    assert await intake.recover(STALE_AFTER) == 0  # neither is stale yet
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    assert await intake.recover(STALE_AFTER) == 1  # update 1; update 2 is in this one's hands
    handler.hold.set()
    await _settle(intake)
    assert sorted(handler.seen) == [1, 2]


async def test_polling_before_the_front_end_loads_acknowledges_and_keeps_the_order(
    runtime: Runtime, emulator: Any
) -> None:
    """`guanjia run` polls while the front end's library is still loading: the updates that come
    meanwhile are recorded and acknowledged at once, and handled in order once it is ready."""
    bot = emulator.add_bot(f"{BOT}:early")
    resident = emulator.create_user(first_name="早")
    for text in ("一", "二", "三"):
        await resident.send_text(text)
    queue = emulator.queue(bot)
    intake = Intake(runtime.uow_factory, BOT)  # no front end yet
    polling = asyncio.create_task(intake.poll(emulator.base_url, bot.token, 1))
    try:
        for _ in range(200):
            if not queue.pending:  # acknowledged: Telegram would not send them again
                break
            await asyncio.sleep(0.05)
        assert queue.pending == []
        async with runtime.uow_factory() as uow:
            assert len(await updates.pending(uow, "telegram", BOT)) == 3
        handler = Handler(runtime)
        intake.attach(handler)
        await _settle(intake)
        assert handler.seen == [1, 2, 3]
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
