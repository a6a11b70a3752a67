"""A resident binds through an invitation link and reports a leaking pipe, end to end."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from resident_steps import button, start_repair, tap

from core.clock import FakeClock
from core.enums import OrderStatus
from core.i18n import Translator, in_simplified, resolve_locale
from core.services import orders
from sandbox.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("language_code", "expect"),
    [
        ("zh-hans", {"bound": "绑定", "repair": "报修", "home": "家中", "registered": "工单"}),
        ("zh-hant", {"bound": "綁定", "repair": "報修", "home": "家中", "registered": "工單"}),
    ],
)
async def test_bind_and_report_leaking_pipe(world: World, language_code: str, expect: dict) -> None:
    code = await world.invitation("1栋", "101")
    user = world.emulator.create_user(first_name="赵", language_code=language_code)
    await user.send_command("start", args=code)
    welcome = await user.next_message()
    assert expect["bound"] in welcome.body
    assert "1栋101" in in_simplified(welcome.body)  # 1棟 for a Traditional reader

    await user.press_button(welcome.buttons[0][0]["text"])  # Report a repair
    where = await user.next_message()
    await user.press(where.message_id, where.buttons[0][0]["callback_data"])  # in my home
    category = await user.next_message()
    water = next(
        b for row in category.buttons for b in row if b["text"] in ("水", "給水", "给水", "水管")
    )
    await user.press(category.message_id, water["callback_data"])
    ask_description = await user.next_message()
    assert ask_description.buttons == []
    await user.send_text("厨房水管漏水了")
    got = await user.next_message()
    await user.press(got.message_id, got.buttons[0][0]["callback_data"])  # Done
    day = await user.next_message()
    await user.press(day.message_id, day.buttons[0][0]["callback_data"])  # today
    slot = await user.next_message()
    await user.press(slot.message_id, slot.buttons[0][0]["callback_data"])
    urgency = await user.next_message()
    await user.press(urgency.message_id, urgency.buttons[0][0]["callback_data"])
    summary = await user.next_message()
    assert "厨房水管漏水了" in summary.body
    await user.press(summary.message_id, summary.buttons[0][0]["callback_data"])  # Confirm
    menu = await user.next_message()
    assert menu.buttons
    confirmed = user.transcript()[-2]
    assert confirmed.edited
    assert "BX-20261123-0001" in confirmed.body

    async with world.uow as uow:
        mine = await orders.of_reporter(uow, (await _person(uow, user.id)))
    assert [o.status for o in mine] == [OrderStatus.REGISTERED]
    assert mine[0].description == "厨房水管漏水了"


async def _person(uow, user_id: int) -> int:
    from core.services import identities

    identity = await identities.touch(uow, "telegram", user_id, user_id, None)
    assert identity.person_id is not None
    return identity.person_id


PROMISE = {"zh-hans": "前与您联系", "zh-hant": "前與您聯絡"}


@pytest.mark.parametrize(
    ("language_code", "urgency", "promised"),
    [
        # Registered at 18:00 on Monday, after the desk closed (17:30): a normal order's hour
        # runs from 08:00 the next working day; an urgent one's half hour runs at once.
        ("zh-hans", "一般", datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)),
        ("zh-hant", "一般", datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)),
        ("zh-hans", "紧急", datetime(2026, 11, 23, 18, 30, tzinfo=SHANGHAI)),
        ("zh-hant", "緊急", datetime(2026, 11, 23, 18, 30, tzinfo=SHANGHAI)),
    ],
)
async def test_the_promised_time_counts_as_the_time_limits_do(
    world: World, language_code: str, urgency: str, promised: datetime
) -> None:
    assert isinstance(world.clock, FakeClock)
    world.clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    user = await world.resident("吴", language_code)
    await start_repair(user)  # asks for the description
    await user.send_text("阳台灯不亮")
    day = await tap(user, await user.next_message(), "完成")
    slot = await tap(user, day, day.buttons[0][0]["text"])  # the first day offered
    urgencies = await tap(user, slot, slot.buttons[0][0]["text"])  # its first slot
    summary = await tap(user, urgencies, urgency)
    await user.press(summary.message_id, button(summary, "确认", "確認"))
    await user.next_message()  # the menu
    confirmed = user.transcript()[-2]
    assert confirmed.edited and PROMISE[language_code] in confirmed.body
    when = Translator(resolve_locale(language_code), "Asia/Shanghai").short_datetime(promised)
    assert when in confirmed.body, confirmed.body
