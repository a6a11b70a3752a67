"""A scheduled notice with a photo, end to end on both front ends: a manager writes an outage
notice for one building in chat, adds a photo, asks for "明天 9:00", confirms the time read
back in the estate's zone; nothing goes before then; at that time the scheduler writes it out
and each resident of that building gets the photo by its Telegram file_id with the notice, in
their own script, as its caption, and the manager's confirmation shows the final report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from resident_steps import button, drain, edit_by, tap

from core.services import notices
from sandbox.world import World


async def test_a_scheduled_notice_with_a_photo(world: World) -> None:
    manager = await world.staff_member("13800000005")
    hans = await world.resident("赵", "zh-hans", "1栋", "101")
    hant = await world.resident("钱", "zh-hant", "1栋", "101")
    elsewhere = await world.resident("孙", "zh-hans", "2栋", "101")

    await manager.send_command("menu")
    kinds = await tap(manager, await manager.next_message(), "发布通知")
    who = await edit_by(
        manager, kinds.message_id, manager.press(kinds.message_id, button(kinds, "停水停电"))
    )
    where = await edit_by(
        manager, who.message_id, manager.press(who.message_id, button(who, "住户"))
    )
    where = await edit_by(
        manager, where.message_id, manager.press(where.message_id, button(where, "1栋"))
    )
    await edit_by(manager, where.message_id, manager.press(where.message_id, button(where, "完成")))
    await manager.send_text("明天上午1栋停水检修水箱，请提前储水。")
    await manager.next_message()  # a photo, or none?
    await manager.send_photo()
    photo = await manager.next_message()
    assert photo.has_photo
    preview = await manager.next_message()
    assert "明天上午1棟停水檢修水箱，請提前儲水。" in preview.body

    await tap(manager, preview, "定时发送")
    await manager.send_text("明天 9:00")
    confirm = await manager.next_message()
    assert "确定在2026年11月24日 09:00发送通知1吗" in confirm.body
    scheduled = await edit_by(
        manager, confirm.message_id, manager.press(confirm.message_id, button(confirm, "确认"))
    )
    assert "通知1将于2026年11月24日 09:00发送" in scheduled.body

    scheduler = world.core.scheduler
    assert scheduler is not None
    assert await scheduler.send_notices() == 0
    assert await drain(hans, quiet=0.3) == []

    world.clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    assert await scheduler.send_notices() == 2
    for reader, text in (
        (hans, "【停水停电】\n明天上午1栋停水检修水箱，请提前储水。"),
        (hant, "【停水停電】\n明天上午1棟停水檢修水箱，請提前儲水。"),
    ):
        got = await reader.next_message()
        assert got.has_photo and got.caption == text
        assert got.photos[-1]["file_id"] == photo.photos[-1]["file_id"]
    assert await drain(elsewhere, quiet=0.3) == []

    for _ in range(100):  # the sender records what it delivered just after delivering it
        async with world.uow as uow:
            if (await notices.progress(uow, 1)).sent == 2:
                break
        await asyncio.sleep(0.05)
    final = await edit_by(manager, confirm.message_id, scheduler.send_notices())
    assert "通知1发送完毕：共2人，已送达2" in final.body
