"""Every bad input gets a polite reply and the same question again; nothing sent is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from resident_steps import button, drain, person_of, start_repair, tap

from core.enums import OrderStatus
from core.services import orders
from sandbox.world import World

LOCALES = [
    ("zh-hans", {"buttons": "按钮", "describe": "描述", "passed": "已经过去", "stale": "较早"}),
    ("zh-hant", {"buttons": "按鈕", "describe": "描述", "passed": "已經過去", "stale": "較早"}),
]


async def _order_of(world: World, user):
    async with world.uow as uow:
        found = await orders.of_reporter(uow, await person_of(world, user))
        return found, [await orders.timeline(uow, o.id) for o in found]


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_bad_inputs_in_the_report(world: World, language_code, expect) -> None:
    user = await world.resident("赵", language_code)
    ask = await start_repair(user)
    assert expect["describe"] in ask.body
    await user.send_sticker()
    polite = await user.next_message()
    assert expect["describe"] in polite.body
    await user.send_text("漏" * 5000)  # over the limit: refused, kept, asked again
    too_long = await user.next_message()
    assert "5000" in too_long.body
    assert expect["describe"] in (await user.next_message()).body
    await user.send_text("厨房水管漏水了")
    got = await user.next_message()
    await user.send_photos(7)  # an album beyond the limit of five
    messages = await drain(user)
    assert any("5" in m.body for m in messages)
    await tap(user, got, "完成")
    await user.send_voice()  # a voice note at a button step is kept
    await user.next_message()
    day = await user.next_message()
    await user.send_text("下午最好")  # text where a button is expected: kept, same question
    kept = await user.next_message()
    assert expect["buttons"] in kept.body
    day_again = await user.next_message()
    assert day_again.button_texts == day.button_texts
    slot = await tap(user, day_again, day_again.button_texts[1])
    urgency = await tap(user, slot, slot.button_texts[0])
    summary = await tap(user, urgency, urgency.button_texts[0])
    await user.send_document()  # a document at the summary is kept and the summary shown again
    await user.next_message()
    summary = await user.next_message()
    await tap(user, summary, "确认", "確認")
    [order], [timeline] = await _order_of(world, user)
    kinds = sorted(a.kind for a in order.attachments)
    assert kinds.count("photo") == 7 and "voice" in kinds and "document" in kinds
    notes = [e.note for e in timeline if e.action == "note"]
    assert "漏" * 5000 in notes and "下午最好" in notes


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_past_date_and_stale_buttons(world: World, language_code, expect) -> None:
    user = await world.resident("钱", language_code)
    await start_repair(user)
    await user.send_text("水管漏水")
    got = await user.next_message()
    day = await tap(user, got, "完成")
    world.clock.advance(timedelta(hours=23))  # Monday's button pressed on Tuesday morning
    passed = await tap(user, day, day.button_texts[0])
    assert expect["passed"] in passed.body
    fresh_day = await user.next_message()
    assert fresh_day.buttons and fresh_day.message_id > day.message_id
    # A button of the first report after a second one began: refused, the current one repeated.
    await user.send_command("cancel")
    await user.next_message()
    await start_repair(user)
    await user.press(got.message_id, button(got, "完成"))
    stale = await user.next_message()
    assert expect["stale"] in stale.body


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_edit_resume_cancel_and_expiry(world: World, language_code, expect) -> None:
    user = await world.resident("孙", language_code)
    await start_repair(user)
    await user.send_text("水管漏水")
    day = await tap(user, await user.next_message(), "完成")
    slot = await tap(user, day, day.button_texts[0])
    urgency = await tap(user, slot, slot.button_texts[0])
    summary = await tap(user, urgency, urgency.button_texts[0])
    which = await tap(user, summary, "修改")
    description = await tap(user, which, "描述")
    await user.send_text("改成：阳台水管漏水")
    got = await user.next_message()
    again = await tap(user, got, "完成")  # straight back to the summary, nothing else asked
    assert "阳台水管漏水" in again.body and button(again, "确认", "確認")
    assert description.message_id < again.message_id

    # Left half-way, resumed from the menu.
    await user.send_command("menu")
    menu = await user.next_message()
    resumed = await tap(user, menu, "继续", "繼續")
    assert "阳台水管漏水" in resumed.body
    # /cancel leaves cleanly.
    await user.send_command("cancel")
    cancelled = await user.next_message()
    assert "继续" not in str(cancelled.buttons) and "繼續" not in str(cancelled.buttons)
    # A draft left for over a day expires.
    await start_repair(user)
    world.clock.advance(timedelta(days=1, minutes=1))
    await user.send_command("menu")
    menu = await user.next_message()
    assert "继续" not in str(menu.buttons) and "繼續" not in str(menu.buttons)
    found, _ = await _order_of(world, user)
    assert found == []


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_complaint_with_callback(world: World, language_code, expect) -> None:
    user = await world.resident("周", language_code)
    await user.send_command("menu")
    menu = await user.next_message()
    categories = await tap(user, menu, "投诉", "投訴")
    ask = await tap(user, categories, "服务态度", "服務態度")
    await user.send_photo(caption="保安态度很差")
    got = await user.next_message()
    callback = await tap(user, got, "完成")
    summary = await tap(user, callback, callback.button_texts[0])
    await tap(user, summary, "确认", "確認")
    confirmed = user.transcript()[-2]
    assert (
        "回访" in confirmed.body
        or "回電" in confirmed.body
        or "致电" in confirmed.body
        or ("電" in confirmed.body)
    )
    [order], _ = await _order_of(world, user)
    assert order.wants_phone_callback and order.status is OrderStatus.REGISTERED
    assert ask.buttons == []
