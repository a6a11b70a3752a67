"""Notices to many, in core: who a notice reaches, the other script by OpenCC, batches that
resume after a crash with nobody skipped and nobody written twice, progress from the outbox,
cancelling, what a resident sees, and holiday greeting dates from the `holidays` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.enums import OutboxStatus, Relation
from core.errors import ForbiddenTransition, NotFound
from core.models import ChatIdentity, Estate, NoticeRecipient, OutboxMessage
from core.services import directory, greetings, identities, notices, outbox
from core.services.notices import Audience, NewNotice, NoticeKind, NoticeStatus, Who
from core.uow import UnitOfWork, UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


_next_user = iter(range(500_000_001, 600_000_000))


async def chat_of(uow: UnitOfWork, person_id: int, locale: str | None = None) -> int:
    user_id = next(_next_user)
    row = ChatIdentity(
        user_id=user_id,
        chat_id=user_id,
        person_id=person_id,
        locale=locale,
        created_at=uow.clock.now(),
        last_seen_at=uow.clock.now(),
    )
    uow.add(row)
    await uow.flush()
    return row.id


async def resident(
    uow: UnitOfWork, building: str, unit: str, phone: str, locale: str | None = None
) -> int:
    """A chat bound to the unit (made if missing); returns the chat identity's id."""
    estate = await directory.require_estate(uow, "BX")
    found = await directory.get_building(uow, estate.id, building)
    if found is None:
        found = await directory.create_building(uow, estate.id, building)
    units = {u.number: u for u in await directory.list_units(uow, found.id)}
    home = units.get(unit) or await directory.create_unit(uow, found.id, unit)
    enrolled = await directory.ensure_resident(uow, home.id, None, phone, Relation.OWNER)
    return await chat_of(uow, enrolled.person_id, locale)


async def estate_parts(uow: UnitOfWork) -> tuple[int, dict[str, int]]:
    estate = await directory.require_estate(uow, "BX")
    buildings = {b.name: b.id for b in await directory.list_buildings(uow, estate.id)}
    return estate.id, buildings


def render(notice: notices.NoticeView, locale: str) -> dict:
    return {"text": f"{locale}|{notice.text(locale)}"}


async def outbox_texts(uows: UnitOfWorkFactory) -> dict[int, list[str]]:
    async with uows() as uow:
        rows = await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        texts: dict[int, list[str]] = {}
        for (row,) in rows:
            payload = outbox.open_payload(uow.cipher, row.payload_enc)
            texts.setdefault(row.chat_id, []).append(payload["text"])
        return texts


async def make_notice(uows: UnitOfWorkFactory, **fields) -> int:
    async with uows() as uow:
        estate_id, _ = await estate_parts(uow)
        notice = await notices.create(
            uow,
            NewNotice(
                estate_id=estate_id,
                kind=fields.pop("kind", NoticeKind.OUTAGE),
                text=fields.pop("text", "本周六停水，请提前储水。"),
                **fields,
            ),
        )
        await uow.commit()
        return notice.id


async def test_the_other_script_is_made_by_opencc_in_the_regions_phrasing(uows):
    async with uows() as uow:
        estate_id, _ = await estate_parts(uow)
        notice = await notices.create(
            uow, NewNotice(estate_id, NoticeKind.OUTAGE, "本周六停水，请提前储水。")
        )
        assert notice.text_hant == "本週六停水，請提前儲水。"
        written_hant = await notices.create(
            uow, NewNotice(estate_id, NoticeKind.EVENT, "中秋晚會在會所舉行", locale="zh_Hant")
        )
        assert written_hant.text_hans == "中秋晚会在会所举行"
        assert written_hant.text_hant == "中秋晚會在會所舉行"
        edited = await notices.create(
            uow,
            NewNotice(estate_id, NoticeKind.EVENT, "软件更新", other_text="軟體更新"),
        )
        assert edited.text_hant == "軟體更新"
        await notices.edit_text(uow, edited.id, "zh_Hant", "軟件更新")
        assert (await notices.get(uow, edited.id)).text_hant == "軟件更新"
    # s2tw / s2hk where OpenCC has the region's phrasing.
    assert notices.both_scripts("鼠标", "zh_Hans", "TW")[1] != ""
    assert notices.both_scripts("着", "zh_Hans", "TW")[1] == "著"
    assert notices.both_scripts("着", "zh_Hans", "HK")[1] == "着"


async def test_the_audience_is_the_buildings_units_residents_or_staff_chosen(uows):
    async with uows() as uow:
        a1 = await resident(uow, "1栋", "101", "13900000001", "zh_Hans")
        a2 = await resident(uow, "1栋", "102", "13900000011", "zh_Hant")
        b1 = await resident(uow, "2栋", "101", "13900000003")
        technician = await directory.staff_person(uow, (await estate_parts(uow))[0], "13800000001")
        t1 = await chat_of(uow, technician)
        _, buildings = await estate_parts(uow)
        unit_102 = next(
            u.id for u in await directory.list_units(uow, buildings["1栋"]) if u.number == "102"
        )
        await uow.commit()
    cases = {
        Audience(Who.RESIDENTS, (buildings["1栋"],)): {a1, a2},
        Audience(Who.RESIDENTS): {a1, a2, b1},
        Audience(Who.STAFF): {t1},
        Audience(Who.BOTH, (buildings["2栋"],)): {b1, t1},
        Audience(Who.RESIDENTS, (buildings["2栋"],), (unit_102,)): {a2, b1},
    }
    for audience, expected in cases.items():
        notice_id = await make_notice(uows, audience=audience)
        async with uows() as uow:
            await notices.schedule(uow, notice_id)
            await uow.commit()
        await notices.advance(uows, render)
        async with uows() as uow:
            reached = set(
                await uow.session.scalars(
                    select(NoticeRecipient.identity_id).where(
                        NoticeRecipient.notice_id == notice_id
                    )
                )
            )
            assert reached == expected, audience
            assert (await notices.get(uow, notice_id)).status is NoticeStatus.SENT
    texts = await outbox_texts(uows)
    async with uows() as uow:
        chat_a2 = (await uow.session.get_one(ChatIdentity, a2)).chat_id
        chat_a1 = (await uow.session.get_one(ChatIdentity, a1)).chat_id
    assert texts[chat_a2][0] == "zh_Hant|本週六停水，請提前儲水。"
    assert texts[chat_a1][0] == "zh_Hans|本周六停水，请提前储水。"


async def test_an_audience_outside_the_estate_is_refused(uows):
    async with uows() as uow:
        estate_id, _ = await estate_parts(uow)
        with pytest.raises(NotFound):
            await notices.create(
                uow, NewNotice(estate_id, NoticeKind.EVENT, "x", audience=Audience(units=(9999,)))
            )


async def test_batches_resume_after_a_crash_without_skipping_or_repeating(uows):
    async with uows() as uow:
        chats = [await resident(uow, "3栋", f"{100 + i}", f"1370000{i:04d}") for i in range(23)]
        blocked = chats[4]
        (await uow.session.get_one(ChatIdentity, blocked)).blocked = True
        await uow.commit()
    notice_id = await make_notice(uows)
    async with uows() as uow:
        await notices.schedule(uow, notice_id)
        await uow.commit()
    # Two batches commit, the third is written and then lost with its process.
    for _ in range(2):
        async with uows() as uow:
            assert await notices.write_batch(uow, notice_id, render, size=5) == 5
            await uow.commit()
    async with uows() as uow:
        assert await notices.write_batch(uow, notice_id, render, size=5) == 5
        # no commit: the process died here
    async with uows() as uow:
        assert (await notices.progress(uow, notice_id)).pending == 10
    # Another process picks it up where the committed cursor says.
    await notices.advance(uows, render, size=5)
    async with uows() as uow:
        per_chat = dict(
            (
                await uow.session.execute(
                    select(OutboxMessage.identity_id, func.count()).group_by(
                        OutboxMessage.identity_id
                    )
                )
            ).all()
        )
        assert set(per_chat) == set(chats) - {blocked}
        assert set(per_chat.values()) == {1}
        assert (await notices.get(uow, notice_id)).status is NoticeStatus.SENT
        progress = await notices.progress(uow, notice_id)
        assert progress.recipients == progress.pending == 22
        # The sender's outcome shows in the progress.
        rows = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        rows[0].status, rows[1].status, rows[2].status = (
            OutboxStatus.SENT,
            OutboxStatus.SKIPPED,
            OutboxStatus.FAILED,
        )
        await uow.flush()
        progress = await notices.progress(uow, notice_id)
        assert (progress.sent, progress.blocked, progress.failed, progress.pending) == (
            1,
            1,
            1,
            19,
        )
    # Running it again writes nothing more.
    assert await notices.advance(uows, render, size=5) == 0


async def test_a_scheduled_notice_waits_for_its_time_and_can_be_cancelled(uows):
    async with uows() as uow:
        for i in range(4):
            await resident(uow, "1栋", f"20{i}", f"1360000{i:04d}")
        await uow.commit()
    notice_id = await make_notice(uows)
    later = MONDAY_9 + timedelta(hours=2)
    async with uows() as uow:
        assert (await notices.schedule(uow, notice_id, later)).status is NoticeStatus.SCHEDULED
        await uow.commit()
    assert await notices.advance(uows, render) == 0
    uows.clock.advance(timedelta(hours=2))
    async with uows() as uow:
        assert await notices.due(uow) == [notice_id]
        assert await notices.write_batch(uow, notice_id, render, size=2) == 2
        await uow.commit()
    async with uows() as uow:
        assert await notices.cancel(uow, notice_id) == 2
        await uow.commit()
    assert await notices.advance(uows, render) == 0
    async with uows() as uow:
        progress = await notices.progress(uow, notice_id)
        assert (progress.recipients, progress.pending, progress.failed) == (2, 0, 2)
        with pytest.raises(ForbiddenTransition):
            await notices.schedule(uow, notice_id)


async def test_a_resident_sees_the_valid_notices_of_their_homes_and_urgent_ones_once(uows):
    async with uows() as uow:
        mine = await resident(uow, "1栋", "101", "13900000001")
        person = (await uow.session.get_one(ChatIdentity, mine)).person_id
        _, buildings = await estate_parts(uow)
        await uow.commit()
    for_me = await make_notice(
        uows,
        kind=NoticeKind.WORKS,
        place="1栋电梯",
        starts_at=MONDAY_9 + timedelta(days=1),
        ends_at=MONDAY_9 + timedelta(days=2),
        audience=Audience(buildings=(buildings["1栋"],)),
    )
    elsewhere = await make_notice(uows, audience=Audience(buildings=(buildings["2栋"],)))
    staff_only = await make_notice(uows, audience=Audience(Who.STAFF))
    urgent = await make_notice(uows, kind=NoticeKind.URGENT, text="台风预警")
    draft = await make_notice(uows)
    async with uows() as uow:
        for notice_id in (for_me, elsewhere, staff_only):
            await notices.schedule(uow, notice_id)
        await uow.commit()
    async with uows() as uow:
        seen = [n.id for n in await notices.for_resident(uow, person)]
        assert seen == [for_me]
        await notices.schedule(uow, urgent)
        assert [n.id for n in await notices.unseen_urgent(uow, mine, person)] == [urgent]
        await notices.mark_seen(uow, urgent, mine)
        await uow.commit()
    assert draft not in seen
    async with uows() as uow:
        assert await notices.unseen_urgent(uow, mine, person) == []
    # The broadcast passes a chat that was already shown it.
    await notices.advance(uows, render)
    async with uows() as uow:
        texts = await outbox_texts(uows)
        chat = (await uow.session.get_one(ChatIdentity, mine)).chat_id
        assert not any("台风" in text for text in texts.get(chat, []))
    # Past its validity a notice leaves the list (works: when they end).
    uows.clock.advance(timedelta(days=3))
    async with uows() as uow:
        assert [n.id for n in await notices.for_resident(uow, person)] == [urgent]


@pytest.mark.parametrize(
    ("region", "day", "hans", "hant"),
    [
        ("CN", date(2027, 2, 6), "春节", "春節"),
        ("CN", date(2027, 9, 15), "中秋节", "中秋節"),
        ("HK", date(2027, 2, 6), None, "農曆年初一"),
        ("TW", date(2027, 6, 9), None, "端午節"),
    ],
)
def test_festival_dates_of_2027_come_from_the_library(region, day, hans, hant):
    if hans is not None:
        assert greetings.holiday_name(region, "zh_Hans", day) == hans
    assert greetings.holiday_name(region, "zh_Hant", day) == hant
    assert greetings.holiday_name(region, "zh_Hant", day - timedelta(days=30)) is None


@pytest.mark.parametrize(
    ("region", "local_day", "hans", "hant"),
    [
        ("CN", date(2027, 2, 6), "春节快乐！海景苑", "春節快樂！海景苑"),
        ("HK", date(2027, 7, 1), "香港特别行政区成立纪念日", "香港特別行政區成立紀念日"),
        ("TW", date(2027, 10, 10), "国庆快乐！海景苑", "國慶快樂！海景苑"),
    ],
)
async def test_the_greeting_goes_out_on_the_festivals_first_day_at_the_estates_hour(
    uows, region, local_day, hans, hant
):
    async with uows() as uow:
        estate = await directory.create_estate(uow, "HJ", "海景苑", region=region)
        building = await directory.create_building(uow, estate.id, "A座")
        unit = await directory.create_unit(uow, building.id, "1A")
        chats = []
        for n, locale in enumerate(["zh_Hans", "zh_Hant", "zh_Hans"]):
            enrolled = await directory.ensure_resident(
                uow, unit.id, None, f"1350000{n:04d}", Relation.OWNER
            )
            chats.append(await chat_of(uow, enrolled.person_id, locale))
        await notices.set_greetings_off(uow, chats[2], True)
        await uow.commit()
    tz = ZoneInfo(estate.timezone)
    # The day before, and the day itself before nine: nothing.
    uows.clock.set(datetime.combine(local_day - timedelta(days=1), time(10), tz))
    assert await greetings.start_greetings(uows) == []
    uows.clock.set(datetime.combine(local_day, time(8, 59), tz))
    assert await greetings.start_greetings(uows) == []
    uows.clock.set(datetime.combine(local_day, time(9, 0), tz))
    started = await greetings.start_greetings(uows)
    assert await greetings.start_greetings(uows) == []  # once a day
    await notices.advance(uows, render)
    async with uows() as uow:
        [notice] = [
            n for n in [await notices.get(uow, i) for i in started] if n.estate_id == estate.id
        ]
        assert notice.kind is NoticeKind.GREETING and notice.status is NoticeStatus.SENT
        assert hans in notice.text_hans and hant in notice.text_hant
        rows = (await uow.session.execute(select(OutboxMessage.identity_id))).scalars().all()
        assert sorted(rows) == sorted(chats[:2])  # the one who turned greetings off: nothing
        # The first reply of the day does not greet them again.
        identity = await identities.get(uow, chats[0])
        assert identity.greeted_on == local_day
        assert await greetings.holiday_due(uow, identity, "zh_Hans") is None
    # The next day of the Spring Festival is not a first day.
    uows.clock.set(datetime.combine(local_day + timedelta(days=1), time(9, 0), tz))
    assert await greetings.start_greetings(uows) == []


async def test_an_estates_own_greeting_text_and_hour(uows):
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, (await estate_parts(uow))[0])
        own = {"mid_autumn": {"zh_Hant": "中秋節快樂，月餅在會所領取。"}}
        estate.settings = {"greetings": {"time": "07:30", "texts": own}}
        await resident(uow, "1栋", "101", "13900000001")
        await uow.commit()
    uows.clock.set(datetime(2027, 9, 14, 23, 30, tzinfo=UTC))  # 07:30 on the 15th in Shanghai
    [notice_id] = await greetings.start_greetings(uows)
    async with uows() as uow:
        notice = await notices.get(uow, notice_id)
    assert notice.text_hant == "中秋節快樂，月餅在會所領取。"
    assert notice.text_hans == "中秋节快乐，月饼在会所领取。"


async def test_planned_works_are_reminded_the_day_before_once(uows):
    async with uows() as uow:
        chat = await resident(uow, "1栋", "101", "13900000001")
        await uow.commit()
    starts = MONDAY_9 + timedelta(days=3)
    early = await make_notice(
        uows,
        kind=NoticeKind.WORKS,
        place="1栋电梯",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
    )
    late = await make_notice(
        uows, kind=NoticeKind.WORKS, place="2栋水泵", starts_at=MONDAY_9 + timedelta(hours=20)
    )
    async with uows() as uow:
        await notices.schedule(uow, early)
        await notices.schedule(uow, late)
        await uow.commit()
    assert await notices.advance(uows, render) == 2
    uows.clock.advance(timedelta(days=1, hours=23))  # a day and an hour before the works
    assert await notices.advance(uows, render) == 0
    uows.clock.advance(timedelta(hours=1))
    assert await notices.advance(uows, render) == 1
    assert await notices.advance(uows, render) == 0
    async with uows() as uow:
        rows = list(
            await uow.session.scalars(select(OutboxMessage.identity_id).order_by(OutboxMessage.id))
        )
        assert rows == [chat, chat, chat]
        person = (await uow.session.get_one(ChatIdentity, chat)).person_id
        listed = await notices.for_resident(uow, person)
        assert [n.id for n in listed] == [late, early]  # the reminder is not listed again
        every = await notices.list_for_estate(uow, listed[0].estate_id)
        [reminder] = [n for n in every if n.reminder]
        assert reminder.starts_at == starts and reminder.status is NoticeStatus.SENT
