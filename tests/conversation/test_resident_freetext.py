"""Free text at the main menu is kept and offered as the matching report, guess correctable."""

from __future__ import annotations

import pytest
from resident_steps import person_of, tap

from core.enums import OrderKind
from core.services import orders
from sandbox.world import World


@pytest.mark.parametrize(
    ("language_code", "text", "expect"),
    [
        ("zh-hans", "厨房水管漏水了", {"kind": "居家维修", "category": "水", "yes": "开始登记"}),
        ("zh-hant", "廚房水管漏水了", {"kind": "居家維修", "category": "水", "yes": "開始登記"}),
    ],
)
async def test_leak_becomes_a_repair(world: World, language_code, text, expect) -> None:
    user = await world.resident("赵", language_code)
    await user.send_text(text)
    offer = await user.next_message()
    assert text in offer.body and expect["kind"] in offer.body and expect["category"] in offer.body
    where = await tap(user, offer, expect["yes"])
    day = await tap(user, where, "家中")  # category and description are already known
    slot = await tap(user, day, day.buttons[0][0]["text"])
    urgency = await tap(user, slot, slot.buttons[0][0]["text"])
    summary = await tap(user, urgency, urgency.buttons[0][0]["text"])
    assert text in summary.body
    await tap(user, summary, "确认", "確認")
    async with world.uow as uow:
        [order] = await orders.of_reporter(uow, await person_of(world, user))
    assert order.description == text and order.category_hans == "水"


@pytest.mark.parametrize(
    ("language_code", "text", "expect"),
    [
        ("zh-hans", "楼上好吵", {"kind": "投诉", "noise": "噪音", "correct": "不太对"}),
        ("zh-hant", "樓上好吵", {"kind": "投訴", "noise": "噪音", "correct": "不太對"}),
    ],
)
async def test_noise_offers_a_complaint_and_can_be_corrected(
    world: World, language_code, text, expect
) -> None:
    user = await world.resident("钱", language_code)
    await user.send_text(text)
    offer = await user.next_message()
    assert expect["kind"] in offer.body and expect["noise"] in offer.body
    categories = await tap(user, offer, expect["correct"])  # the guess is corrected
    assert any(expect["noise"] in b for b in categories.button_texts)
    callback = await tap(user, categories, "停车", "停車")
    summary = await tap(user, callback, callback.buttons[0][0]["text"])  # yes, call me
    assert text in summary.body and ("停车" in summary.body or "停車" in summary.body)
    await tap(user, summary, "确认", "確認")
    async with world.uow as uow:
        [order] = await orders.of_reporter(uow, await person_of(world, user))
    assert order.kind is OrderKind.COMPLAINT and order.wants_phone_callback
    assert order.description == text


@pytest.mark.parametrize("language_code", ["zh-hans", "zh-hant"])
async def test_unrecognised_text_is_kept_and_kind_offered(world: World, language_code) -> None:
    user = await world.resident("孙", language_code)
    await user.send_text("你好")
    offer = await user.next_message()
    assert "你好" in offer.body
    await user.send_text("顺便说一下")  # more words while the offer is open are kept too
    again = await user.next_message()
    assert "你好" in again.body and "顺便说一下" in again.body
    summary = await tap(user, again, "表扬", "表揚")
    assert "你好" in summary.body and "顺便说一下" in summary.body
