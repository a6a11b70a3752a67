"""The scheduled reports through the running bot and its scheduler's tick on a FakeClock: on the
first day of a quarter, at 08:00 in the estate's zone, each manager gets last month's report and
last quarter's, in their own script, as text, charts and workbook; a restart does not send them
again, and nobody else gets them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from resident_steps import drain

from core.clock import FakeClock
from core.enums import OrderKind
from core.lifecycle import Actor
from core.models import ReportExport, RoutineRun
from core.routines import Routine, periods_ending_before
from core.services import directory, dispatch, jobs, orders
from core.services.jobs import CompletionReport
from core.services.orders import NewOrder
from sandbox.world import World

# 07:00 on 1 January 2027 in Shanghai: the reports are due at 08:00.
NEW_YEAR_7AM = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
HEADS = {
    "zh-hans": (
        "上月统计报表",
        "上季度统计报表",
        "碧溪花园统计报表（2026-12）",
        "碧溪花园统计报表（2026Q4）",
    ),
    "zh-hant": (
        "上月統計報表",
        "上季度統計報表",
        "碧溪花園統計報表（2026-12）",
        "碧溪花園統計報表（2026Q4）",
    ),
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NEW_YEAR_7AM)


async def until_two_workbooks(user) -> list:
    """The messages up to the second workbook (drawing the charts takes a while under load)."""
    received = []
    while sum(1 for m in received if m.document) < 2:
        received.append(await user.next_message(timeout=30))
    return received


async def tick(world: World) -> None:
    assert world.core.scheduler is not None
    await world.core.scheduler.tick()


async def a_december_job(world: World) -> None:
    """Registered and completed by 张师傅 on 31 December (local time)."""
    world.clock.set(NEW_YEAR_7AM - timedelta(hours=20))  # type: ignore[attr-defined]
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        order = await orders.register(
            uow,
            NewOrder(estate.id, OrderKind.IN_HOME_REPAIR, "厨房漏水", None, unit_id=unit.id),
            Actor.system(),
        )
        zhang = await directory.staff_person(uow, estate.id, "13800000001")
        desk = await directory.staff_person(uow, estate.id, "13800000003")
        await dispatch.dispatch(uow, order.id, zhang, desk)
        await jobs.accept(uow, order.id, zhang)
        await jobs.arrive(uow, order.id, zhang)
        report = CompletionReport("换了水管", fee=Decimal("30"), after=("p",))
        await jobs.complete(uow, order.id, zhang, report)
        uow.take_news()
        await uow.commit()
    world.clock.set(NEW_YEAR_7AM)  # type: ignore[attr-defined]


def test_what_a_month_s_first_day_reports_on() -> None:
    assert [p.label for p in periods_ending_before(date(2027, 1, 1))] == ["2026-12", "2026Q4"]
    assert [p.label for p in periods_ending_before(date(2027, 2, 1))] == ["2027-01"]
    assert [p.label for p in periods_ending_before(date(2027, 7, 1))] == ["2027-06", "2027Q2"]


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_the_first_of_a_quarter_brings_the_manager_both_reports_once(
    world: World, lang: str
) -> None:
    from sqlalchemy import select

    monthly, quarterly, month_head, quarter_head = HEADS[lang]
    manager = await world.staff_member("13800000005", lang)
    supervisor = await world.staff_member("13800000004", lang)
    await a_december_job(world)

    await tick(world)  # 07:00: not yet
    assert not [m for m in await drain(manager, 0.5) if m.has_photo or m.document]

    world.clock.set(NEW_YEAR_7AM + timedelta(hours=1))  # type: ignore[attr-defined]
    await tick(world)
    received = [
        m
        for m in await until_two_workbooks(manager)
        if monthly in m.body or quarterly in m.body or m.has_photo or m.document
    ]
    texts = [m for m in received if m.text]
    assert [monthly in texts[0].body, quarterly in texts[1].body] == [True, True]
    assert month_head in texts[0].body and quarter_head in texts[1].body
    assert sum(m.has_photo for m in received) == 4  # categories and control chart, twice
    books = [m.document["file_name"] for m in received if m.document]
    assert books == ["BX-2026-12.xlsx", "BX-2026Q4.xlsx"]
    assert not [m for m in await drain(supervisor, 0.5) if m.document]

    await world.restart_bot()
    await tick(world)
    world.clock.set(NEW_YEAR_7AM + timedelta(days=1, hours=2))  # type: ignore[attr-defined]
    await tick(world)
    assert not [m for m in await drain(manager, 1.0) if m.has_photo or m.document]

    async with world.uow as uow:
        runs = list(
            await uow.session.scalars(
                select(RoutineRun.day).where(RoutineRun.routine == str(Routine.PERIOD_REPORTS))
            )
        )
        exports = [(r.what, r.period) for r in await uow.session.scalars(select(ReportExport))]
    assert runs == [date(2027, 1, 1)]
    assert exports == [("scheduled", "2026-12"), ("scheduled", "2026Q4")]


@pytest.mark.parametrize("lang", ["zh-hans"])
async def test_a_bot_down_on_the_first_sends_them_later_in_the_week(
    world: World, lang: str
) -> None:
    manager = await world.staff_member("13800000005", lang)
    await world.stop_bot()
    world.clock.set(NEW_YEAR_7AM + timedelta(days=2))  # type: ignore[attr-defined]
    world.start_bot()
    await world.started()
    received = await until_two_workbooks(manager)
    assert [m.document["file_name"] for m in received if m.document] == [
        "BX-2026-12.xlsx",
        "BX-2026Q4.xlsx",
    ]
