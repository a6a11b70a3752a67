"""The callback (回访) end to end, on both front ends: a day after the confirmation the
scheduler asks; a satisfied resident's answers close the order; on a second order an
unsatisfied one reopens it, and the desk and the supervisor are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from callback_steps import completed_leak
from staff_helpers import latest_order, press, press_text

from core.enums import OrderStatus
from core.services import orders
from sandbox.world import World

EXPECT = {
    "zh-hans": {"callback": "回访", "skip": "跳过", "thanks": "感谢", "reopened": "回访不满意"},
    "zh-hant": {"callback": "回訪", "skip": "略過", "thanks": "感謝", "reopened": "回訪不滿意"},
}


async def _callback_asked(world: World, resident):
    """A day after the confirmation, the scheduler's tick asks the first question."""
    world.clock.advance(timedelta(hours=24))
    assert world.core.scheduler is not None
    await world.core.scheduler.tick()
    return await resident.next_message()


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_satisfied_closes_unsatisfied_reopens(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)

    # Satisfied: called back and closed.
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)  # Confirm completion
    question = await _callback_asked(world, resident)
    first = await latest_order(world)
    assert expect["callback"] in question.body and first.number in question.body
    await press(resident, question, 0, 0)  # Satisfied
    for score in ("5", "5", "4"):
        await press_text(resident, await resident.next_message(), score)
    await resident.next_message()  # the comment question
    await resident.send_text("很满意")
    assert expect["thanks"] in (await resident.next_message()).body
    first = await latest_order(world)
    assert first.status is OrderStatus.CLOSED
    async with world.uow as uow:
        actions = [e.action for e in await orders.timeline(uow, first.id)]
    assert actions[-3:] == ["confirm", "call_back", "close"]

    # Not satisfied: called back and reopened for the desk to dispatch again.
    await technician.next_message()  # the resident confirmed the first order
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)
    question = await _callback_asked(world, resident)
    await press(resident, question, 0, 1)  # Not satisfied
    for score in ("2", "2", "1"):
        await press_text(resident, await resident.next_message(), score)
    await press_text(resident, await resident.next_message(), expect["skip"])
    await resident.next_message()  # sorry, reopened
    second = await latest_order(world)
    assert second.id != first.id and second.status is OrderStatus.REGISTERED
    desk = await dispatcher.next_message()
    assert expect["reopened"] in desk.body and second.number in desk.body
    told = await supervisor.next_message()
    assert second.number in told.body
    async with world.uow as uow:
        actions = [e.action for e in await orders.timeline(uow, second.id)]
    assert actions[-3:] == ["confirm", "call_back", "reopen"]
