"""The whole story through a fault storm (sandbox/storm.py: 10 % of Bot API calls answered 502,
bursts of 429 with retry_after, a quarter of calls slowed by 0.1-1 s), on both front ends and
both databases: residents report, the desk dispatches, the worker accepts and completes, the
residents confirm and answer the callback, a notice goes to the whole estate. Every order is
registered and closed, every message the outbox sent arrived exactly once and in its chat's
order, and nothing was logged as an error."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from callback_steps import completed_leak
from sqlalchemy import func, select
from staff_helpers import press, press_text

from core.enums import OrderStatus, OutboxStatus
from core.models import Order, OutboxMessage
from core.services import directory, notices
from core.services.notices import NewNotice, NoticeKind
from sandbox.deliveries import compare, delivered_by_chat, recorded_by_chat
from sandbox.storm import fault_storm
from sandbox.world import World
from tg_emulator import SimUser

from dbutil import EACH_DATABASE_AND_FRONT_END_ONCE

PATIENCE = 60.0  # seconds a person waits for an answer in the storm (retries back off 2-8 s)
HOMES = [("赵", "1栋", "101"), ("钱", "2栋", "101")]


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """People wait for the bot as long as a storm needs (the shared steps wait 5 s)."""
    monkeypatch.setattr(SimUser.next_message, "__defaults__", (PATIENCE,))


async def _nothing_left_to_send(world: World, seconds: float = 120.0) -> None:
    for _ in range(int(seconds / 0.2)):
        async with world.uow as uow:
            waiting = await uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        if not waiting:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{waiting} messages still waiting after {seconds} s")


@EACH_DATABASE_AND_FRONT_END_ONCE
@pytest.mark.timeout(600)
async def test_the_whole_story_through_a_fault_storm(
    world: World, patient: None, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = await world.staff_member("13800000003")
    technician = await world.staff_member("13800000001")
    residents = [await world.resident(name, "zh-hans", b, u) for name, b, u in HOMES]
    caplog.set_level(logging.WARNING)

    async with fault_storm(world.emulator, seed=11):
        for resident in residents:
            done = await completed_leak(world, resident, dispatcher, technician)
            await press(resident, done)  # Confirm the completion
            await technician.next_message()  # the resident confirmed
        world.clock.advance(timedelta(hours=24))
        assert world.core.scheduler is not None
        await world.core.scheduler.tick()  # the callbacks are asked
        for resident in residents:
            await press(resident, await resident.next_message(), 0, 0)  # Satisfied
            for score in ("5", "5", "4"):
                await press_text(resident, await resident.next_message(), score)
            await resident.next_message()  # the comment question
            await resident.send_text("很满意")
            assert "感谢" in (await resident.next_message()).body
        async with world.uow as uow:
            estate = await directory.require_estate(uow, "BX")
            notice = await notices.create(
                uow, NewNotice(estate.id, NoticeKind.EVENT, "周六上午在会所举办亲子活动。")
            )
            await notices.schedule(uow, notice.id)
            await uow.commit()
        assert await world.core.scheduler.send_notices() == len(residents)
        for resident in residents:
            assert "亲子活动" in (await resident.next_message()).body
        await _nothing_left_to_send(world)

    async with world.uow as uow:
        statuses = list(await uow.session.scalars(select(Order.status)))
    assert statuses == [OrderStatus.CLOSED] * len(residents)
    recorded = await recorded_by_chat(world.runtime.uow_factory)
    assert compare(recorded, delivered_by_chat(world.emulator)) == []
    stats = world.emulator.stats()
    assert stats["faults"]["5xx"] > 0 and stats["too_many_requests"] > 0, stats
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert failures == [], [r.getMessage() for r in failures]
