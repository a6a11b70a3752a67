"""A dispatcher who links her account after an order came in gets the desk's queue at once, with
the count in her menu; a line opens the order's card and she dispatches from it; the desk group
asks for the same queue with /queue. On both front ends, both databases, both scripts."""

from __future__ import annotations

import asyncio

import pytest
from staff_helpers import latest_order, press_text, report_leak

from core.enums import OrderStatus
from core.services import directory, invitations, orders
from sandbox.world import World

LOCALES = [
    ("zh-hans", {"waiting": "待派工（1）：", "auto": "自动派工", "today": "今日预约上门（1）："}),
    ("zh-hant", {"waiting": "待派工（1）：", "auto": "自動派工", "today": "今日預約上門（1）："}),
]


async def group_message(user, group, text: str, seconds: float = 5.0):
    for _ in range(int(seconds / 0.05)):
        for message in user.transcript(group):
            if message.from_bot and text in message.body:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {text!r} in the group: {user.transcript(group)}")


@pytest.mark.parametrize(("lang", "expect"), LOCALES)
async def test_late_dispatcher_gets_the_queue(world: World, lang: str, expect: dict) -> None:
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    order = await latest_order(world)

    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        person = await directory.staff_person(uow, estate.id, "13800000003")
        code = await invitations.create_staff_invitation(uow, person, estate.id)
        await uow.commit()
    dispatcher = world.emulator.create_user(first_name="王", language_code=lang)
    await dispatcher.send_command("start", args=code)
    menu = await dispatcher.next_message()
    assert "待派工 1" in [b["text"] for row in menu.buttons for b in row]
    queue = await dispatcher.next_message()
    assert expect["waiting"] in queue.body and order.number in queue.body

    await press_text(dispatcher, queue, order.number)
    card = await dispatcher.next_message()
    assert order.number in card.body
    await press_text(dispatcher, card, expect["auto"])
    await resident.next_message()  # told it was dispatched
    async with world.uow as uow:
        assert (await orders.get(uow, order.id)).status is OrderStatus.DISPATCHED

    group = world.emulator.create_group("控制中心", members=[dispatcher])
    await dispatcher.send_command("desk", args="control", chat=group)
    await group_message(dispatcher, group, "碧溪花园")
    await dispatcher.send_command("queue", chat=group)
    listing = await group_message(dispatcher, group, expect["today"])
    assert order.number in listing.body and expect["waiting"] not in listing.body
