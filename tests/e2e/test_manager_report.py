"""A manager asks for the month's report in chat and receives its text, its charts as pictures
(uploaded with sendPhoto) and its workbook as a file (sendDocument, multipart) that opens with
the sums of the figures. On both front ends, both databases, both scripts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.enums import OrderKind
from core.lifecycle import Actor
from core.services import directory, dispatch, jobs, orders
from core.services.jobs import CompletionReport
from core.services.orders import NewOrder
from sandbox.world import World

LOCALES = [
    (
        "zh-hans",
        {
            "head": "碧溪花园统计报表（2026-11）",
            "pareto": "工单类别排列图",
            "fees": "每人每日收取费用",
        },
    ),
    (
        "zh-hant",
        {
            "head": "碧溪花園統計報表（2026-11）",
            "pareto": "工單類別柏拉圖",
            "fees": "每人每日收取費用",
        },
    ),
]


async def two_jobs_done(world: World) -> None:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        zhang = await directory.staff_person(uow, estate.id, "13800000001")
        desk = await directory.staff_person(uow, estate.id, "13800000003")
        for fee in ("30", "45"):
            new = NewOrder(estate.id, OrderKind.IN_HOME_REPAIR, "厨房漏水", None, unit_id=unit.id)
            order = await orders.register(uow, new, Actor.system())
            await dispatch.dispatch(uow, order.id, zhang, desk)
            await jobs.accept(uow, order.id, zhang)
            await jobs.arrive(uow, order.id, zhang)
            report = CompletionReport("换了水管", fee=Decimal(fee), after=("p",))
            await jobs.complete(uow, order.id, zhang, report)
        uow.take_news()
        await uow.commit()


@pytest.mark.parametrize(("lang", "expect"), LOCALES)
async def test_a_manager_gets_the_report_with_charts_and_workbook(
    world: World, lang: str, expect: dict
) -> None:
    manager = await world.staff_member("13800000005", lang)
    await two_jobs_done(world)
    await manager.send_command("report")
    text = await manager.next_message(timeout=15)
    assert expect["head"] in text.body and "75.00" in text.body
    pareto = await manager.next_message(timeout=15)
    assert pareto.has_photo and expect["pareto"] in pareto.caption
    control = await manager.next_message(timeout=15)
    assert control.has_photo
    book = await manager.next_message(timeout=15)
    assert book.document is not None and book.document["file_name"] == "BX-2026-11.xlsx"
    stored = world.emulator.files.get(book.document["file_id"])
    assert stored is not None
    workbook = load_workbook(io.BytesIO(stored.data))
    fees = list(workbook[expect["fees"]].iter_rows(min_row=2, values_only=True))
    assert sum(row[3] for row in fees) == 75.0
    assert workbook[workbook.sheetnames[-1]].max_row == 1 + 2
    calls = world.emulator.stats()["calls"]
    assert calls["sendPhoto"] >= 2 and calls["sendDocument"] >= 1
