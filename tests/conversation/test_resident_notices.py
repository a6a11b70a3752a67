"""Notices as residents meet them: a notice to one building reaches that building in each
reader's script; "Notices" in the menu lists what still holds, with the greetings switch; an
urgent notice not yet seen comes first at the next contact, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resident_steps import drain, edit_by, tap
from sqlalchemy import select

from core.models import ChatIdentity
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind
from sandbox.world import World


async def _notice(world: World, kind: NoticeKind, text: str, building: str | None = None, **kw):
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        buildings: tuple[int, ...] = ()
        if building is not None:
            found = await directory.get_building(uow, estate.id, building)
            assert found is not None
            buildings = (found.id,)
        notice = await notices.create(
            uow, NewNotice(estate.id, kind, text, audience=Audience(buildings=buildings), **kw)
        )
        await notices.schedule(uow, notice.id)
        await uow.commit()
        return notice.id


async def test_a_works_notice_to_one_building_and_the_notice_list(world: World) -> None:
    hans = await world.resident("赵", "zh-hans", "1栋", "101")
    hant = await world.resident("钱", "zh-hant", "1栋", "101")
    other = await world.resident("孙", "zh-hans", "2栋", "101")
    now = world.clock.now()
    await _notice(
        world,
        NoticeKind.WORKS,
        "更换电梯钢丝绳，请走楼梯。",
        "1栋",
        place="1栋电梯",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=8),
    )
    assert world.core.scheduler is not None
    assert await world.core.scheduler.send_notices() == 2
    got = await hans.next_message()
    assert got.body.startswith("【施工通知】\n更换电梯钢丝绳，请走楼梯。\n地点：1栋电梯")
    got = await hant.next_message()
    assert got.body.startswith("【施工通知】\n更換電梯鋼絲繩，請走樓梯。\n地點：1棟電梯")
    assert await drain(other) == []

    await hans.send_command("menu")
    menu = await hans.next_message()
    listed = await tap(hans, menu, "公告")
    assert "您家的公告" in listed.body and "更换电梯钢丝绳" in listed.body
    assert "有效期至" in listed.body
    switch = listed.buttons[0][0]["callback_data"]
    turned = await edit_by(hans, listed.message_id, hans.press(listed.message_id, switch))
    assert "节日问候：已关闭" in turned.buttons[0][0]["text"]
    async with world.uow as uow:
        off = await uow.session.scalar(
            select(ChatIdentity.greetings_off).where(ChatIdentity.user_id == hans.id)
        )
    assert off is True

    await other.send_command("menu")
    listed = await tap(other, await other.next_message(), "公告")
    assert "目前没有给您的公告" in listed.body

    # Past the end of the works the notice leaves the list.
    world.clock.advance(timedelta(days=2))
    await hant.send_command("menu")
    listed = await tap(hant, await hant.next_message(), "公告")
    assert "目前沒有給您的公告" in listed.body


async def test_an_urgent_notice_comes_first_at_the_next_contact_once(world: World) -> None:
    user = await world.resident("李", "zh-hant", "2栋", "101")
    # Written, not yet broadcast (the broadcast will pass this chat by).
    notice_id = await _notice(world, NoticeKind.URGENT, "今晚台风，请收好阳台物品。")
    await user.send_command("menu")
    first = await user.next_message()
    assert first.body == "【緊急通知】\n今晚颱風，請收好陽臺物品。"
    menu = await user.next_message()
    assert "公告" in str(menu.buttons)
    await user.send_command("menu")
    again = await user.next_message()
    assert "颱風" not in again.body
    assert world.core.scheduler is not None
    await world.core.scheduler.send_notices()
    assert await drain(user) == []
    async with world.uow as uow:
        progress = await notices.progress(uow, notice_id)
    assert progress.recipients == 0  # shown at the contact, not sent twice


async def test_the_spring_festival_greeting_broadcast_and_the_first_reply(world: World) -> None:
    greeted = await world.resident("周", "zh-hant", "1栋", "101")
    opted_out = await world.resident("吴", "zh-hans", "2栋", "101")
    await opted_out.send_command("menu")
    listed = await tap(opted_out, await opted_out.next_message(), "公告")
    switch = listed.buttons[0][0]["callback_data"]
    await edit_by(opted_out, listed.message_id, opted_out.press(listed.message_id, switch))
    await drain(opted_out)

    world.clock.set(datetime(2027, 2, 6, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai, 正月初一
    assert world.core.scheduler is not None
    assert len(await world.core.scheduler.start_greetings()) == 1
    assert await world.core.scheduler.start_greetings() == []
    assert await world.core.scheduler.send_notices() == 1
    got = await greeted.next_message()
    assert got.body == "春節快樂！碧溪花園祝您和家人新春愉快、闔家幸福。"
    assert await drain(opted_out) == []

    # The first reply of the day greets only the one the broadcast did not.
    await greeted.send_command("menu")
    assert "春節" not in (await greeted.next_message()).body
    await opted_out.send_command("menu")
    assert "春节" in (await opted_out.next_message()).body
