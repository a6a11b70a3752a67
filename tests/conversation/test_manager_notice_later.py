"""A manager reading Traditional writes a community event for residents and staff of one
building (tapping buildings on and off), adds a photo, and schedules it at a typed time: a
time it cannot read and one already past get polite answers with an example, the time it reads
is confirmed back in the estate's zone, and the scheduler sends the photo with the text as its
caption at that time to that building's residents and the staff, and to nobody else. Stale
and forged presses are refused."""

from __future__ import annotations

from datetime import UTC, datetime

from resident_steps import button, drain, edit_by, forge_press, tap

from bot.dialogs.notice_send import NoticeAt
from core.services import notices
from core.services.notices import Audience, NoticeStatus, Who
from sandbox.world import World


async def _to_photo_question(manager, *, kind: str, who: str, buildings: list[str]) -> None:
    await manager.send_command("menu")
    kinds = await tap(manager, await manager.next_message(), "發布通知")
    ask_who = await edit_by(
        manager, kinds.message_id, manager.press(kinds.message_id, button(kinds, kind))
    )
    where = await edit_by(
        manager, ask_who.message_id, manager.press(ask_who.message_id, button(ask_who, who))
    )
    for name in buildings:
        where = await edit_by(
            manager, where.message_id, manager.press(where.message_id, button(where, name))
        )
    ask = await edit_by(
        manager, where.message_id, manager.press(where.message_id, button(where, "完成"))
    )
    assert "另一種字體會自動生成" in ask.body


async def test_a_scheduled_event_with_a_photo_to_residents_and_staff(world: World) -> None:
    manager = await world.staff_member("13800000005", "zh-hant")
    technician = await world.staff_member("13800000001")
    in_two = await world.resident("孙", "zh-hans", "2栋", "101")
    in_one = await world.resident("钱", "zh-hant", "1栋", "101")

    # 1棟 on, 2棟 on, 1棟 off again: the audience is 2棟.
    await _to_photo_question(
        manager, kind="社區活動", who="住戶和員工", buildings=["1栋", "2栋", "1栋"]
    )
    await manager.send_text("週六上午在會所舉辦親子活動，歡迎參加。")
    ask_photo = await manager.next_message()
    assert "不附照片" in str(ask_photo.buttons)
    await manager.send_text("好的")  # not a photo
    assert "請傳送照片" in (await manager.next_message()).body
    await manager.send_photo()
    photo = await manager.next_message()
    assert photo.has_photo and not photo.buttons
    preview = await manager.next_message()
    assert "周六上午在会所举办亲子活动，欢迎参加。" in preview.body  # OpenCC's Simplified
    assert "發給：住戶和員工，2棟" in preview.body and "附上面的照片" in preview.body

    ask_at = await tap(manager, preview, "定時發送")
    assert "明天 9:00" in ask_at.body
    await manager.send_text("下午三點")
    bad = await manager.next_message()
    assert "未能識別" in bad.body and "12-24 18:00" in bad.body
    await manager.send_text("2026-11-01 10:00")
    assert "已經過去" in (await manager.next_message()).body
    await manager.send_text("明天 9:00")
    confirm = await manager.next_message()
    assert "確定在2026年11月24日 09:00發送通知1嗎" in confirm.body
    scheduled = await edit_by(
        manager, confirm.message_id, manager.press(confirm.message_id, button(confirm, "確認"))
    )
    assert "通知1將於2026年11月24日 09:00發送" in scheduled.body
    async with world.uow as uow:
        notice = await notices.get(uow, 1)
    assert notice.status is NoticeStatus.SCHEDULED
    assert notice.scheduled_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert notice.audience.who is Who.BOTH and len(notice.audience.buildings) == 1
    assert notice.photo

    scheduler = world.core.scheduler
    assert scheduler is not None
    assert await scheduler.send_notices() == 0  # not yet
    assert await drain(in_two, quiet=0.3) == []

    world.clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    # 2棟's resident, and the staff: the technician and the manager herself.
    assert await scheduler.send_notices() == 3
    got = await in_two.next_message()
    assert got.has_photo and got.caption is not None
    assert got.caption.startswith("【社区活动】\n周六上午在会所举办亲子活动，欢迎参加。")
    staff_got = await technician.next_message()
    assert staff_got.has_photo and "亲子活动" in (staff_got.caption or "")
    assert await drain(in_one, quiet=0.3) == []


async def test_stale_and_forged_presses(world: World) -> None:
    manager = await world.staff_member("13800000005")
    technician = await world.staff_member("13800000001")
    await manager.send_command("menu")
    menu = await manager.next_message()
    first = await tap(manager, menu, "发布通知")
    second = await tap(manager, menu, "发布通知")  # started again: the first one's buttons go
    await manager.press(first.message_id, button(first, "停水停电"))
    assert "已无法使用" in (await manager.next_message()).body
    who = await edit_by(
        manager, second.message_id, manager.press(second.message_id, button(second, "停水停电"))
    )
    # A kind pressed again at the audience step is stale too.
    await forge_press(world, manager, second.message_id, button(second, "社区活动"))
    assert "已无法使用" in (await manager.next_message()).body
    ask = await edit_by(manager, who.message_id, manager.press(who.message_id, button(who, "员工")))
    assert "另一种字体会自动生成" in ask.body  # staff: no building to choose
    await manager.send_photo()
    assert "用文字" in (await manager.next_message()).body
    await manager.send_text("今晚22:00起全小区停水两小时。")
    preview = await tap(manager, await manager.next_message(), "不附照片")
    assert "发给：员工，全小区" in preview.body
    async with world.uow as uow:
        assert (await notices.get(uow, 1)).audience == Audience(Who.STAFF)

    # The technician forges the confirmation of a time: refused in core.
    await technician.send_command("menu")
    tech_menu = await technician.next_message()
    await forge_press(world, technician, tech_menu.message_id, NoticeAt(1, 29_900_000).pack())
    assert "没有权限" in (await technician.next_message()).body

    sent = await edit_by(
        manager, preview.message_id, manager.press(preview.message_id, button(preview, "立即发送"))
    )
    assert "正在发送" in sent.body
    # "Send later" on the same preview, pressed after it went: it can no longer be changed.
    await forge_press(world, manager, preview.message_id, button(preview, "定时发送"))
    assert "已无法更改" in (await manager.next_message()).body
