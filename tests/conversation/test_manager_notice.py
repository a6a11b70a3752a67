"""A manager writes a works notice in chat (kind, building, text, place, time), sees it in both
scripts, sends it, and that building's resident gets it; a draft cancelled; a forged "send"
from someone who is not a manager is refused."""

from __future__ import annotations

import asyncio

from resident_steps import button, drain, edit_by, forge_press, tap

from core.services import notices
from core.services.notices import NoticeStatus
from sandbox.world import World


async def _draft(world: World, manager) -> object:
    await manager.send_command("menu")
    menu = await manager.next_message()
    kinds = await tap(manager, menu, "发布通知")
    assert "通知类型" in kinds.body
    who = await edit_by(
        manager, kinds.message_id, manager.press(kinds.message_id, button(kinds, "施工通知"))
    )
    audience = await edit_by(
        manager, who.message_id, manager.press(who.message_id, button(who, "住户"))
    )
    assert "全小区" in str(audience.buttons)
    chosen = await edit_by(
        manager, audience.message_id, manager.press(audience.message_id, button(audience, "1栋"))
    )
    assert "✓1栋" in str(chosen.buttons) and "已选1栋" in str(chosen.buttons)
    ask = await edit_by(
        manager, chosen.message_id, manager.press(chosen.message_id, button(chosen, "完成"))
    )
    assert "另一种字体会自动生成" in ask.body
    await manager.send_text("更换电梯钢丝绳，请走楼梯。")
    assert "施工地点" in (await manager.next_message()).body
    await manager.send_text("1栋电梯")
    assert "施工时间" in (await manager.next_message()).body
    await manager.send_text("12月5日")
    assert "格式" in (await manager.next_message()).body
    await manager.send_text("12-05 09:00-17:00")
    photo = await manager.next_message()
    assert "不附照片" in str(photo.buttons)
    await manager.press(photo.message_id, button(photo, "不附照片"))
    return await manager.next_message()


async def test_a_manager_writes_previews_and_sends_a_works_notice(world: World) -> None:
    manager = await world.staff_member("13800000005")
    reader = await world.resident("钱", "zh-hant", "1栋", "101")
    other = await world.resident("孙", "zh-hans", "2栋", "101")
    preview = await _draft(world, manager)
    assert "【施工通知】\n更换电梯钢丝绳，请走楼梯。\n地点：1栋电梯" in preview.body
    assert "【施工通知】\n更換電梯鋼絲繩，請走樓梯。\n地點：1棟電梯" in preview.body
    assert "12月5日" in preview.body and "17:00" in preview.body
    assert await drain(reader) == []  # nothing goes before "Send now"

    sent = await edit_by(
        manager, preview.message_id, manager.press(preview.message_id, button(preview, "立即发送"))
    )
    assert "正在发送" in sent.body
    assert world.core.scheduler is not None
    scheduler = world.core.scheduler
    # Telegram asks for a pause at the first try, so that the first report is written while
    # the notice is still on its way (on a busy machine the sender was quicker than it).
    world.emulator.add_fault("429", methods=["sendMessage"], times=1, retry_after=2)
    progress = await edit_by(manager, preview.message_id, scheduler.send_notices())
    assert "已送达0，待发送1" in progress.body
    got = await reader.next_message(timeout=15)
    assert got.body.startswith("【施工通知】\n更換電梯鋼絲繩，請走樓梯。\n地點：1棟電梯")
    assert await drain(other) == []
    # Once delivered, the sender's message shows the final report.
    for _ in range(100):
        async with world.uow as uow:
            if (await notices.progress(uow, 1)).sent == 1:
                break
        await asyncio.sleep(0.05)
    final = await edit_by(manager, preview.message_id, scheduler.send_notices())
    assert "通知1发送完毕：共1人，已送达1，失败0，已屏蔽机器人0" in final.body


async def test_a_draft_cancelled_and_a_forged_send_refused(world: World) -> None:
    manager = await world.staff_member("13800000005")
    technician = await world.staff_member("13800000001")
    reader = await world.resident("钱", "zh-hans", "1栋", "101")
    preview = await _draft(world, manager)
    send = button(preview, "立即发送")

    # The technician's own menu has no such button; a forged press with its data is refused.
    await technician.send_command("menu")
    menu = await technician.next_message()
    await forge_press(world, technician, menu.message_id, send)
    refused = await technician.next_message()
    assert "没有权限" in refused.body

    cancelled = await edit_by(
        manager, preview.message_id, manager.press(preview.message_id, button(preview, "取消"))
    )
    assert "已取消" in cancelled.body
    async with world.uow as uow:
        listed = await notices.list_for_estate(uow, (await notices.get(uow, 1)).estate_id)
    assert [n.status for n in listed] == [NoticeStatus.CANCELLED]
    assert world.core.scheduler is not None
    assert await world.core.scheduler.send_notices() == 0
    assert await drain(reader) == []
