"""The staff side of an order end to end: dispatch, accept, on my way, arrived, completed with a
fee, the resident confirms; a decline and re-dispatch; no one home and a rebook; a fee over the
threshold; a disputed completion; refused presses."""

from __future__ import annotations

import pytest
from staff_helpers import (
    latest_order,
    message_with,
    person_of,
    press,
    press_text,
    report_leak,
)

from core.enums import OrderStatus
from core.i18n import in_simplified
from core.services import orders
from sandbox.world import World

LOCALES = [
    (
        "zh-hans",
        {
            "new": "新工单",
            "site": "到场",
            "dispatched": "已派给",
            "zhang": "张师傅",
            "accepted": "接单",
            "way": "路上",
            "done": "完工",
            "thanks": "感谢",
            "nobody": "无人",
            "fee_sup": "主管",
        },
    ),
    (
        "zh-hant",
        {
            "new": "新工單",
            "site": "到場",
            "dispatched": "已派給",
            "zhang": "張師傅",
            "accepted": "接單",
            "way": "路上",
            "done": "完工",
            "thanks": "感謝",
            "nobody": "無人",
            "fee_sup": "主管",
        },
    ),
]


@pytest.mark.parametrize(("lang", "expect"), LOCALES)
async def test_dispatch_accept_complete_confirm(world: World, lang: str, expect: dict) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)

    await report_leak(resident)
    card = await dispatcher.next_message()
    assert expect["new"] in card.body and "厨房水管漏水了" in card.body
    await press(dispatcher, card)  # Dispatch to a worker
    pick = await dispatcher.next_message()
    assert "张师傅" in in_simplified(pick.buttons[0][0]["text"])
    await press(dispatcher, pick)

    job = await technician.next_message()
    assert "厨房水管漏水了" in job.body and "139****0001" not in job.body
    told = await resident.next_message()
    assert expect["dispatched"] + expect["zhang"] in told.body  # in their script, no space

    await press(technician, job)  # Accept
    accepted = await message_with(technician, job.message_id, expect["accepted"])
    assert expect["accepted"] in (await resident.next_message()).body
    await press_text(technician, accepted, "出发", "在路上", "我在路上")  # On my way
    assert expect["way"] in (await resident.next_message()).body
    on_way = await message_with(technician, job.message_id, expect["way"])
    await press_text(technician, on_way, "已到场", "已到場")
    await resident.next_message()  # arrived
    on_site = await message_with(technician, job.message_id, expect["site"])
    await press_text(technician, on_site, "完工")
    await technician.next_message()  # what did you do
    await technician.send_text("更换了水槽下的软管")
    before = await technician.next_message()
    await technician.send_photo(caption=None)
    await technician.next_message()  # photo received
    await press(technician, before)  # Next
    after = await technician.next_message()
    await technician.send_photo(caption=None)  # a repair is completed with an after-photo
    await technician.next_message()  # photo received
    await press(technician, after)  # Next
    materials = await technician.next_message()
    await technician.send_text("软管一根")
    await technician.next_message()  # fee?
    await technician.send_text("80")
    summary = await technician.next_message()
    assert "80" in summary.body
    await press(technician, summary)  # Confirm

    done = await resident.next_message()
    assert expect["done"] in done.body and "更换了水槽下的软管" in done.body
    await press(resident, done)  # Confirm completion
    thanks = await message_with(resident, done.message_id, expect["thanks"])
    assert expect["thanks"] in thanks.body
    assert materials

    order = await latest_order(world)
    assert order.status is OrderStatus.CONFIRMED
    assert order.fee_collected_by == await person_of(world, technician)
    async with world.uow as uow:
        actions = [e.action for e in await orders.timeline(uow, order.id)]
    assert actions == [
        "register",
        "dispatch",
        "accept",
        "depart",
        "arrive",
        "complete",
        "collect_fee",
        "confirm",
    ]
