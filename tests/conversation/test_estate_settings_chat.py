"""The estate's settings in chat: a supervisor finds them in the menu, a manager with /settings,
each in their script, read-only, with what the office set (an amount in its currency, a share
as a percentage, a team's own digest time); residents, workers and the dispatcher are refused,
whether by command or by a forged menu press."""

from __future__ import annotations

import pytest
from resident_steps import forge_press

from bot.views.menus import Menu, MenuItem
from core.services import estate_settings
from sandbox.world import World
from tg_emulator import SimUser

SCRIPTS = {
    "zh-hans": {
        "entry": "小区设置",
        "head": "碧溪花园的设置",
        "groups": ["【基本设置】", "【派工】", "【时限】", "【每日例行工作】", "【回访】"],
        "fee": "· 达到此金额的费用由主管收取：200.00 元",
        "grab": "· 派工方式（家政服务）：发到班组群抢单",
        "inherited": "派工方式（居家维修）",
        "share": "· 满意率低于此值时提醒项目经理：90%",
        "team": "· 工程组：上午工单清单 09:00",
        "digest": "· 上午向各班组发送工单清单：08:00",
        "read_only": "以上设置仅供查看，如需修改请联系管理处。",
        "refused": "抱歉，您没有权限进行此操作。",
    },
    "zh-hant": {
        "entry": "屋苑設定",
        "head": "碧溪花園的設定",
        "groups": ["【基本設定】", "【派工】", "【時限】", "【每日例行工作】", "【回訪】"],
        "fee": "· 達到此金額的費用由主管收取：200.00 元",
        "grab": "· 派工方式（家政服務）：發到班組群搶單",
        "inherited": "派工方式（居家維修）",
        "share": "· 滿意率低於此值時提醒項目經理：90%",
        "team": "· 工程組：上午工單清單 09:00",
        "digest": "· 上午向各班組發送工單清單：08:00",
        "read_only": "以上設定僅供查閱，如需修改請聯絡管理處。",
        "refused": "抱歉，您沒有權限進行此操作。",
    },
}


def labels(message) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def menu_of(user: SimUser):
    await user.send_command("menu")
    return await user.next_message()


async def office_sets(world: World) -> None:
    async with world.uow as uow:
        await estate_settings.change(
            uow,
            "BX",
            ["fee_threshold=200", "dispatch_mode.housekeeping=grab", "survey_alert_threshold=0.9"],
            "ops",
        )
        await estate_settings.change(uow, "BX", ["digest_am=09:00"], "ops", team_name="工程组")
        await uow.commit()


@pytest.mark.parametrize("lang", list(SCRIPTS))
async def test_supervisor_and_manager_read_the_settings_in_their_script(
    world: World, lang: str
) -> None:
    s = SCRIPTS[lang]
    await office_sets(world)
    supervisor = await world.staff_member("13800000004", lang)
    manager = await world.staff_member("13800000005", lang)

    menu = await menu_of(supervisor)
    entry = next(label for label in labels(menu) if s["entry"] in label)
    await supervisor.press(menu.message_id, _data(menu, entry))
    shown = (await supervisor.next_message()).body
    await manager.send_command("settings")
    assert (await manager.next_message()).body == shown

    lines = shown.splitlines()
    assert lines[0] == s["head"]
    for group in s["groups"]:
        assert group in lines
    for line in ("fee", "grab", "share", "team", "digest"):
        assert s[line] in lines, (line, shown)
    assert s["inherited"] not in shown  # a per-kind value is shown only where it differs
    assert lines[-1] == s["read_only"]
    assert "  " not in shown.replace("\n", "")  # no ASCII double space between words

    await supervisor.send_command("help")
    assert "/settings" in (await supervisor.next_message()).body


def _data(message, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if button["text"] == label:
                return button["callback_data"]
    raise AssertionError(label)


@pytest.mark.parametrize("lang", list(SCRIPTS))
async def test_residents_workers_and_the_dispatcher_are_refused(world: World, lang: str) -> None:
    s = SCRIPTS[lang]
    resident = await world.resident("钱", lang, "1栋", "101")
    technician = await world.staff_member("13800000001", lang)
    dispatcher = await world.staff_member("13800000003", lang)
    forged = Menu(MenuItem.SETTINGS).pack()
    for user in (resident, technician, dispatcher):
        menu = await menu_of(user)
        assert not any(s["entry"] in label for label in labels(menu))
        await user.send_command("settings")
        assert (await user.next_message()).body == s["refused"]
        await forge_press(world, user, menu.message_id, forged)
        refused = await user.next_message()
        assert s["head"] not in refused.body and "200.00" not in refused.body
