"""Updates recorded before they are acknowledged and claimed once when handled
(core.services.updates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from core.clock import FakeClock
from core.crypto import new_key
from core.models import Base, ProcessedUpdate
from core.services import arrival, updates

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


def _message(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": {"id": 7}, "text": text},
    }


async def _record(runtime: Runtime, *received: dict) -> set[int]:
    async with runtime.uow_factory() as uow:
        fresh = await updates.record(uow, "telegram", BOT, [(u["update_id"], u) for u in received])
        await uow.commit()
    return fresh


async def _pending(runtime: Runtime, **kwargs: object) -> list[dict]:
    async with runtime.uow_factory() as uow:
        return await updates.pending(uow, "telegram", BOT, **kwargs)  # type: ignore[arg-type]


async def _claim(runtime: Runtime, update_id: int, commit: bool = True) -> bool:
    async with runtime.uow_factory() as uow:
        fresh = await updates.claim(uow, "telegram", BOT, update_id)
        if commit:
            await uow.commit()
    return fresh


async def test_recorded_updates_are_pending_until_claimed_and_claimed_once(
    runtime: Runtime, clock: FakeClock
) -> None:
    first, second = _message(1, "卫生间灯不亮"), _message(2, "电话 13800138000")
    assert await _record(runtime, first, second) == {1, 2}
    assert await _record(runtime, second, _message(3, "x")) == {3}  # received again: not fresh
    assert await _pending(runtime) == [first, second, _message(3, "x")]

    assert await _claim(runtime, 1, commit=False)  # rolled back: still pending
    assert [u["update_id"] for u in await _pending(runtime)] == [1, 2, 3]
    assert await _claim(runtime, 1)
    assert not await _claim(runtime, 1)  # Telegram delivered it twice
    assert await _record(runtime, first) == set()  # and once more, after it was handled
    assert [u["update_id"] for u in await _pending(runtime)] == [2, 3]

    clock.advance(timedelta(minutes=5))
    await _record(runtime, _message(4, "y"))
    left = await _pending(runtime, older_than=timedelta(minutes=1))
    assert [u["update_id"] for u in left] == [2, 3]

    # An update handled without a receipt is claimed all the same, once.
    assert await _claim(runtime, 9)
    assert not await _claim(runtime, 9)


async def test_the_payload_is_encrypted_and_dropped_once_handled(runtime: Runtime) -> None:
    await _record(runtime, _message(1, "电话 13800138000"))
    async with runtime.uow_factory() as uow:
        [stored] = await uow.session.scalars(select(ProcessedUpdate.payload))
    assert stored is not None and b"13800138000" not in stored
    assert "电话".encode() not in stored
    await _claim(runtime, 1)
    async with runtime.uow_factory() as uow:
        assert list(await uow.session.scalars(select(ProcessedUpdate.payload))) == [None]


async def test_an_arrival_claims_a_recorded_update_once(runtime: Runtime) -> None:
    """The one-statement arrival (PostgreSQL) claims as updates.claim does."""
    await _record(runtime, _message(5, "x"))
    for expected in (True, False):
        async with runtime.uow_factory() as uow:
            arrived = await arrival.arrive(uow, "telegram", BOT, 5, 7, 7, "zh-hans")
            await uow.commit()
        assert (arrived is not None) is expected
    assert await _pending(runtime) == []


async def test_forgetting_keeps_what_is_still_to_be_handled(
    runtime: Runtime, clock: FakeClock
) -> None:
    await _record(runtime, _message(1, "x"), _message(2, "y"))
    await _claim(runtime, 1)
    clock.advance(timedelta(days=30))
    async with runtime.uow_factory() as uow:
        assert await updates.forget_older_than(uow, timedelta(days=7)) == 1
        await uow.commit()
    assert [u["update_id"] for u in await _pending(runtime)] == [2]
