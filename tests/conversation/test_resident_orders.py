"""Following orders: notes and photos on an open order, cancelling, and nobody else's orders."""

from __future__ import annotations

import pytest
from resident_steps import edit_by, forge_press, person_of, start_repair, tap

from core.enums import OrderStatus
from core.services import orders
from sandbox.world import World

LOCALES = [
    ("zh-hans", {"orders": "我的工单", "note": "补充", "cancel": "取消", "gone": "没有找到"}),
    ("zh-hant", {"orders": "我的工單", "note": "補充", "cancel": "取消", "gone": "沒有找到"}),
]


async def _report(user) -> None:
    await start_repair(user)
    await user.send_text("水管漏水")
    day = await tap(user, await user.next_message(), "完成")
    slot = await tap(user, day, day.button_texts[0])
    urgency = await tap(user, slot, slot.button_texts[0])
    summary = await tap(user, urgency, urgency.button_texts[0])
    await tap(user, summary, "确认", "確認")


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_note_photo_and_cancel(world: World, language_code, expect) -> None:
    user = await world.resident("赵", language_code)
    await _report(user)
    await user.send_command("orders")
    listing = await user.next_message()
    card = await tap(user, listing, "BX-")
    assert expect["note"] in str(card.buttons)
    ask = await tap(user, card, expect["note"])
    assert "BX-" in ask.body
    await user.send_sticker()  # not a note: asked again
    await user.next_message()
    await user.send_text("下午三点后家里有人")
    added = await user.next_message()
    await user.send_photo()
    await user.next_message()
    card = await tap(user, added, "完成")
    assert "下午三点后家里有人" in card.body
    confirm = await tap(user, card, expect["cancel"])
    press = user.press(confirm.message_id, confirm.buttons[0][0]["callback_data"])
    done = await edit_by(user, confirm.message_id, press)
    assert "BX-" in done.body
    async with world.uow as uow:
        [order] = await orders.of_reporter(uow, await person_of(world, user))
    assert order.status is OrderStatus.CANCELLED
    assert [a.stage for a in order.attachments] == ["note"]


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_forged_payload_never_reaches_another_residents_order(
    world: World, language_code, expect
) -> None:
    owner = await world.resident("赵", language_code)
    await _report(owner)
    async with world.uow as uow:
        [order] = await orders.of_reporter(uow, await person_of(world, owner))
    intruder = await world.resident("钱", language_code, "2栋", "101")
    await intruder.send_command("orders")
    mine = await intruder.next_message()
    for op in ("s", "c", "y", "n"):
        await forge_press(world, intruder, mine.message_id, f"mo:{order.id}:{op}")
        refused = await intruder.next_message()
        assert expect["gone"] in refused.body
        assert order.number not in refused.body and "水管漏水" not in refused.body
    async with world.uow as uow:
        assert (await orders.get(uow, order.id)).status is OrderStatus.REGISTERED
    assert all("水管漏水" not in m.body for m in intruder.transcript())
