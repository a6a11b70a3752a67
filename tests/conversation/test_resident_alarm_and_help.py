"""Home alarms (居家报警) from the menu and from free text, urgent by default; /help per role."""

from __future__ import annotations

import pytest
from resident_steps import person_of, tap

from core.enums import OrderKind, Priority
from core.services import orders
from sandbox.world import World

SCRIPTS = pytest.mark.parametrize(
    ("language_code", "expect"),
    [
        ("zh-hans", {"alarm": "居家报警", "urgent": "紧急", "yes": "开始登记", "text": "报警器"}),
        ("zh-hant", {"alarm": "居家報警", "urgent": "緊急", "yes": "開始登記", "text": "報警器"}),
    ],
)


async def _book_and_confirm(world: World, user, asked_day) -> orders.OrderView:
    slot = await tap(user, asked_day, asked_day.buttons[0][0]["text"])
    summary = await tap(user, slot, slot.buttons[0][0]["text"])
    await tap(user, summary, "确认", "確認")
    async with world.uow as uow:
        [order] = await orders.of_reporter(uow, await person_of(world, user))
    return order


@SCRIPTS
async def test_a_home_alarm_from_the_menu_is_urgent(
    world: World, language_code: str, expect: dict[str, str]
) -> None:
    user = await world.resident("周", language_code)
    await user.send_command("menu")
    menu = await user.next_message()
    describe = await tap(user, menu, expect["alarm"])
    await user.send_text(f"门口的{expect['text']}一直响，想请人来修")
    got = await user.next_message()  # more words or photos, or Done
    day = await tap(user, got, "完成")
    order = await _book_and_confirm(world, user, day)
    assert (order.kind, order.priority) == (OrderKind.ALARM, Priority.URGENT)
    assert order.unit_label == "1栋101"
    assert describe.body


@SCRIPTS
async def test_free_text_about_an_alarm_offers_a_home_alarm(
    world: World, language_code: str, expect: dict[str, str]
) -> None:
    user = await world.resident("吴", language_code)
    text = f"家里的{expect['text']}坏了"
    await user.send_text(text)
    offer = await user.next_message()
    assert expect["alarm"] in offer.body
    day = await tap(user, offer, expect["yes"])
    order = await _book_and_confirm(world, user, day)
    assert (order.kind, order.priority, order.description) == (
        OrderKind.ALARM,
        Priority.URGENT,
        text,
    )


@pytest.mark.parametrize(
    ("language_code", "resident", "worker", "stranger"),
    [
        ("zh-hans", "住户服务", "师傅服务", "绑定房屋"),
        ("zh-hant", "住戶服務", "師傅服務", "綁定房屋"),
    ],
)
async def test_help_says_what_each_role_can_do(
    world: World, language_code: str, resident: str, worker: str, stranger: str
) -> None:
    user = await world.resident("郑", language_code)
    await user.send_command("help")
    said = await user.next_message()
    assert resident in said.body and worker not in said.body
    assert said.buttons  # the menu follows the explanation

    technician = await world.staff_member("13800000001", language_code)
    await technician.send_command("help")
    said = await technician.next_message()
    assert worker in said.body and resident not in said.body

    newcomer = world.emulator.create_user(first_name="新", language_code=language_code)
    await newcomer.send_command("help")
    said = await newcomer.next_message()
    assert stranger in said.body and resident not in said.body
