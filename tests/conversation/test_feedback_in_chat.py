"""The feedback library in chat: a supervisor's /feedback (or the menu's entry) pages the
estate's comments newest first, edited in place; narrows them to a team by buttons; sends a
spoken comment again; a worker and forged pages are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from resident_steps import forge_press
from staff_helpers import message_with, person_of, press_text

from core.services import directory, feedback
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "menu": "住户意见",
        "head": "碧溪花园的住户意见（最近30天）：共 7 条",
        "first": "显示第 1 至 5 条",
        "second": "显示第 6 至 7 条",
        "older": "下一页",
        "newer": "上一页",
        "by_team": "按班组",
        "which": "请选择班组：",
        "narrowed": "碧溪花园关于家政组的住户意见（最近30天）：共 2 条",
        "listen": "收听第 1 条",
        "voice": "语音意见（0:09）",
        "denied": "没有权限",
    },
    "zh-hant": {
        "menu": "住戶意見",
        "head": "碧溪花園的住戶意見（最近30天）：共 7 則",
        "first": "顯示第 1 至 5 則",
        "second": "顯示第 6 至 7 則",
        "older": "下一頁",
        "newer": "上一頁",
        "by_team": "按班組",
        "which": "請選擇班組：",
        "narrowed": "碧溪花園關於家政組的住戶意見（最近30天）：共 2 則",
        "listen": "收聽第 1 則",
        "voice": "語音意見（0:09）",
        "denied": "沒有權限",
    },
}


async def _seven_comments(world: World) -> None:
    """Seven comments an hour apart, the two newest about 家政组, the newest one spoken."""
    spoken = world.emulator.files.add("voice", b"OggS\x00comment", mime_type="audio/ogg")
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        team = await directory.get_team(uow, estate.id, "家政组")
        assert team is not None
        for number in range(1, 6):
            await feedback.record_feedback(uow, estate.id, "survey", f"意见{number}", rating=3)
            world.clock.advance(timedelta(hours=1))
        await feedback.record_feedback(uow, estate.id, "callback", "打扫得很干净", team=team.id)
        world.clock.advance(timedelta(hours=1))
        await feedback.record_feedback(
            uow,
            estate.id,
            "callback",
            None,
            team=team.id,
            voice_ref=spoken.file_id,
            voice_seconds=9,
        )
        await uow.commit()


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_paged_newest_first_narrowed_by_team_and_listened(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    supervisor = await world.staff_member("13800000004", lang)
    technician = await world.staff_member("13800000001", lang)
    await _seven_comments(world)

    await supervisor.send_command("menu")
    await press_text(supervisor, await supervisor.next_message(), expect["menu"])
    page = await supervisor.next_message()
    assert expect["head"] in page.body and expect["first"] in page.body
    assert page.body.index("1. ") < page.body.index(expect["voice"]) < page.body.index("意见5")
    assert "意见1" not in page.body
    assert expect["newer"] not in page.button_texts

    await press_text(supervisor, page, expect["older"])
    older = await message_with(supervisor, page.message_id, expect["second"])
    assert "意见1" in older.body and "意见2" in older.body and "意见3" not in older.body
    assert expect["older"] not in older.button_texts
    await press_text(supervisor, older, expect["newer"])
    await message_with(supervisor, page.message_id, expect["first"])

    await press_text(supervisor, page, expect["by_team"])
    choose = await message_with(supervisor, page.message_id, expect["which"])
    await press_text(supervisor, choose, *[t for t in choose.button_texts if t.endswith("（2）")])
    narrowed = await message_with(supervisor, page.message_id, expect["narrowed"])
    assert "打扫得很干净" in narrowed.body
    assert not any(f"意见{number}" in narrowed.body for number in range(1, 6))

    await press_text(supervisor, narrowed, expect["listen"])
    voice = await supervisor.next_message()
    assert voice.voice is not None and expect["voice"] in voice.body

    # A worker may not read it; a forged page of another estate is refused.
    await technician.send_command("feedback")
    assert expect["denied"] in (await technician.next_message()).body
    await forge_press(world, supervisor, page.message_id, "fb:999:m:-:0:0")
    assert expect["denied"] in (await supervisor.next_message()).body
    worker_id = await person_of(world, technician)
    last = technician.transcript()[-1]
    await forge_press(world, technician, last.message_id, f"fb:1:m:w:{worker_id}:0")
    assert expect["denied"] in (await technician.next_message()).body
