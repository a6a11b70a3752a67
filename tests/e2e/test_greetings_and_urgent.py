"""Holiday greetings and notices as residents meet them, end to end on both front ends and both
databases: the greeting of a 2027 festival taken from the `holidays` package's calendar for a
mainland, a Hong Kong and a Taiwan estate, each in the reader's script, once a day; an urgent
notice shown first at the resident's next contact; a scheduled notice cancelled before its
time reaches nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resident_steps import drain
from sqlalchemy import update

from core.models import Estate
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind
from sandbox.world import World

# (region, 09:00 in the estate's zone on the festival's first day, what each script reads)
FESTIVALS = [
    ("HK", datetime(2027, 2, 6, 1, 0, tzinfo=UTC), "春节快乐", "春節快樂"),  # 農曆年初一
    ("TW", datetime(2027, 6, 9, 1, 0, tzinfo=UTC), "端午", "端午"),  # 端午節
    ("CN", datetime(2027, 9, 15, 1, 0, tzinfo=UTC), "中秋", "中秋"),  # 中秋节
]


async def _set_region(world: World, region: str) -> None:
    async with world.uow as uow:
        await uow.session.execute(update(Estate).where(Estate.code == "BX").values(region=region))
        await uow.commit()


async def test_greetings_of_2027_festivals_in_three_regions(world: World) -> None:
    hans = await world.resident("周", "zh-hans", "1栋", "101")
    hant = await world.resident("吴", "zh-hant", "2栋", "101")
    scheduler = world.core.scheduler
    assert scheduler is not None
    for region, moment, simplified, traditional in FESTIVALS:
        await _set_region(world, region)
        world.clock.set(moment - timedelta(hours=1))  # 08:00: not yet the greeting hour
        assert await scheduler.start_greetings() == []
        world.clock.set(moment)
        assert len(await scheduler.start_greetings()) == 1, region
        assert await scheduler.start_greetings() == []  # once a day
        assert await scheduler.send_notices() == 2
        assert simplified in (await hans.next_message()).body, region
        assert traditional in (await hant.next_message()).body, region
        world.clock.set(moment + timedelta(days=1))  # the next day is no festival's first
        assert await scheduler.start_greetings() == []
    assert await drain(hans) == [] and await drain(hant) == []


async def _notice(world: World, kind: NoticeKind, text: str, at: datetime | None = None) -> int:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        notice = await notices.create(uow, NewNotice(estate.id, kind, text, audience=Audience()))
        await notices.schedule(uow, notice.id, at)
        await uow.commit()
        return notice.id


async def test_an_urgent_notice_at_the_next_contact_and_a_cancelled_notice(world: World) -> None:
    reader = await world.resident("李", "zh-hant", "2栋", "101")
    other = await world.resident("王", "zh-hans", "1栋", "101")
    urgent = await _notice(world, NoticeKind.URGENT, "今晚台风，请收好阳台物品。")
    await reader.send_command("menu")
    assert (await reader.next_message()).body == "【緊急通知】\n今晚颱風，請收好陽臺物品。"
    await reader.next_message()  # the menu, after it
    scheduler = world.core.scheduler
    assert scheduler is not None
    assert await scheduler.send_notices() == 1  # the broadcast passes the reader by
    assert (await other.next_message()).body == "【紧急通知】\n今晚台风，请收好阳台物品。"
    assert await drain(reader) == []
    async with world.uow as uow:
        assert (await notices.progress(uow, urgent)).recipients == 1

    later = world.clock.now() + timedelta(days=1)
    cancelled = await _notice(world, NoticeKind.EVENT, "周六亲子活动。", at=later)
    async with world.uow as uow:
        await notices.cancel(uow, cancelled)
        await uow.commit()
    world.clock.set(later + timedelta(minutes=1))
    assert await scheduler.send_notices() == 0
    assert await drain(reader) == [] and await drain(other) == []
    async with world.uow as uow:
        assert (await notices.progress(uow, cancelled)).recipients == 0
