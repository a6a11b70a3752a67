"""A manager edits the estate's holiday greeting texts in chat, in either script: picks a
festival, reads its text in both scripts, sends a new one (the other script made by OpenCC),
writes the other script herself, previews and saves, or goes back to the default. The festival's
broadcast then carries the estate's own text. Stale buttons and a photo get polite answers."""

from __future__ import annotations

from datetime import UTC, datetime

from resident_steps import button, edit_by, forge_press, tap

from core.services import directory, greeting_texts
from sandbox.world import World


async def _mid_autumn(world: World):
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        return await greeting_texts.text_of(uow, estate.id, "mid_autumn")


async def test_a_manager_rewrites_the_mid_autumn_greeting(world: World) -> None:
    manager = await world.staff_member("13800000005")
    resident = await world.resident("赵", "zh-hant", "1栋", "101")
    await manager.send_command("menu")
    festivals = await tap(manager, await manager.next_message(), "节日问候语")
    assert "修改哪个节日的问候语" in festivals.body
    labels = [b["text"] for row in festivals.buttons for b in row]
    assert labels == ["春节", "元旦", "清明节", "端午节", "中秋节", "国庆节"]
    card = await edit_by(
        manager,
        festivals.message_id,
        manager.press(festivals.message_id, button(festivals, "中秋节")),
    )
    assert card.body.startswith("中秋节（默认文字）\n下一次：2027年9月15日")
    assert "中秋快乐！碧溪花园" in card.body and "中秋快樂！碧溪花園" in card.body
    assert "恢复默认文字" not in str(card.buttons)

    await manager.send_photo()
    assert "请用文字写问候语" in (await manager.next_message()).body
    await manager.send_text("月圆人团圆，碧溪花园祝您中秋快乐！")
    first = await manager.next_message()
    assert "新问候语预览" in first.body and "月圓人團圓，碧溪花園祝您中秋快樂！" in first.body
    assert "本小区自定" in first.body
    ask_other = await tap(manager, first, "自己写另一种字体")
    assert "另一种字体" in ask_other.body
    await manager.send_text("花好月圓，碧溪花園祝您闔家團圓！")
    second = await manager.next_message()
    assert "花好月圓，碧溪花園祝您闔家團圓！" in second.body
    assert (await _mid_autumn(world)).own is False  # nothing saved before "Save"

    saved = await edit_by(
        manager, second.message_id, manager.press(second.message_id, button(second, "保存"))
    )
    assert saved.body.startswith("已保存。中秋节的问候语现在是：")
    stored = await _mid_autumn(world)
    assert (stored.text_hans, stored.text_hant, stored.own) == (
        "月圆人团圆，碧溪花园祝您中秋快乐！",
        "花好月圓，碧溪花園祝您闔家團圓！",
        True,
    )
    # The first preview's Save, pressed after the edit ended: stale, and nothing changes.
    await manager.press(first.message_id, button(first, "保存"))
    assert "已无法使用" in (await manager.next_message()).body
    assert (await _mid_autumn(world)).text_hant == "花好月圓，碧溪花園祝您闔家團圓！"

    # On the festival's first day, at the greeting hour, the broadcast carries the own text.
    world.clock.set(datetime(2027, 9, 15, 1, 0, tzinfo=UTC))
    scheduler = world.core.scheduler
    assert scheduler is not None
    assert len(await scheduler.start_greetings()) == 1
    await scheduler.send_notices()
    assert (await resident.next_message()).body == "花好月圓，碧溪花園祝您闔家團圓！"


async def test_a_manager_reading_traditional_goes_back_to_the_default(world: World) -> None:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        await greeting_texts.set_text(uow, estate.id, "spring_festival", "zh_Hans", "新春快乐！")
        await uow.commit()
    manager = await world.staff_member("13800000005", "zh-hant")
    await manager.send_command("menu")
    festivals = await tap(manager, await manager.next_message(), "節日問候語")
    card = await edit_by(
        manager,
        festivals.message_id,
        manager.press(festivals.message_id, button(festivals, "春節")),
    )
    assert card.body.startswith("春節（本屋苑自訂）") and "新春快樂！" in card.body
    # A new text in Traditional, previewed, then cancelled: nothing changes.
    await manager.send_text("恭賀新禧，萬事如意！")
    preview = await manager.next_message()
    assert "恭贺新禧，万事如意！" in preview.body
    cancelled = await edit_by(
        manager, preview.message_id, manager.press(preview.message_id, button(preview, "取消"))
    )
    assert "問候語沒有修改" in cancelled.body

    await manager.send_command("menu")
    again = await tap(manager, await manager.next_message(), "節日問候語")
    # The earlier list (edited since into the card) pressed as it was:
    await forge_press(world, manager, festivals.message_id, button(festivals, "春節"))
    assert "已無法使用" in (await manager.next_message()).body
    card = await edit_by(
        manager, again.message_id, manager.press(again.message_id, button(again, "春節"))
    )
    reset = await edit_by(
        manager, card.message_id, manager.press(card.message_id, button(card, "恢復預設文字"))
    )
    assert reset.body.startswith("春節的問候語已恢復為預設文字：")
    assert "春節快樂！碧溪花園" in reset.body
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        assert not (await greeting_texts.text_of(uow, estate.id, "spring_festival")).own
