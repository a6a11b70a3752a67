"""How long an estate's monthly report takes, on an empty database and on a filled one.

    .venv/bin/python -m bench.report_data --orders 500000      # once: the filled schema
    .venv/bin/python -m bench.report_speed --estate BX --month 2026-10

Each form of the report is timed `--runs` times (median and slowest shown), after one warm-up:
the figures (core.services.reports.build: every SQL aggregate, staff figures included), the raw
orders behind the workbook (their phone numbers decrypted and masked), and the rendering a chat
report adds, in Python: the workbook (openpyxl) and the four charts (matplotlib, as PNG). The
empty database is a fresh schema with the sample estate only; the filled one is what
bench.report_data made. The figures are printed and written to bench/RESULTS.md (between its
report markers), with the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.report_data import KEY
from core.clock import FakeClock
from core.crypto import Cipher
from core.db import SCHEMA_PARAM, create_engine, session_factory
from core.i18n import Translator
from core.models import Base, Estate, Order, OrderEvent
from core.services import importer, reports
from core.uow import UnitOfWorkFactory
from sandbox.world import SAMPLE_ESTATE

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- report-figures -->", "<!-- /report-figures -->"


def scoped(url: str, schema: str) -> str:
    return make_url(url).update_query_dict({SCHEMA_PARAM: schema}).render_as_string(False)


async def empty_schema(url: str, schema: str) -> None:
    admin = create_engine(url)
    async with admin.begin() as connection:
        await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    engine = create_engine(scoped(url, schema))
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = UnitOfWorkFactory(session_factory(engine), FakeClock(), Cipher(KEY))
    async with factory() as uow:
        await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
        await uow.commit()
    await engine.dispose()


async def timed(runs: int, work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    await work()  # warm-up: connections, statement caches
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), max(seconds)


async def measure(url: str, schema: str, estate: str, month: str, runs: int) -> dict[str, object]:
    engine = create_engine(scoped(url, schema))
    factory = UnitOfWorkFactory(
        session_factory(engine), FakeClock(datetime(2026, 12, 2, tzinfo=UTC)), Cipher(KEY)
    )
    period = reports.month(month)
    async with factory() as uow:
        total = await uow.session.scalar(select(func.count()).select_from(Order))
        events = await uow.session.scalar(select(func.count()).select_from(OrderEvent))
        start, end = period.bounds("Asia/Shanghai")
        in_month = await uow.session.scalar(
            select(func.count())
            .select_from(Order)
            .join(Estate, Estate.id == Order.estate_id)
            .where(Estate.code == estate, Order.created_at >= start, Order.created_at < end)
        )

    async def figures() -> reports.Report:
        async with factory() as uow:
            return await reports.build(uow, estate, period, staff_figures=True)

    async def raw() -> list[reports.RawOrder]:
        async with factory() as uow:
            return await reports.raw_orders(uow, estate, period)

    report, orders = await figures(), await raw()

    t = Translator("zh_Hans", "Asia/Shanghai")

    async def workbook() -> None:
        from bot.views import report_views

        report_views.as_xlsx(t, report, orders)

    async def drawn() -> None:
        from bot.views import charts

        for chart in charts.charts(t, report):
            charts.png(chart.figure)

    result = {
        "orders": total,
        "events": events,
        "in_month": in_month,
        "figures": await timed(runs, figures),
        "raw": await timed(runs, raw),
        "workbook": await timed(max(1, runs // 2), workbook),
        "charts": await timed(max(1, runs // 2), drawn),
    }
    await engine.dispose()
    return result


def table(rows: list[tuple[str, dict[str, object]]]) -> str:
    lines = [
        "| database | orders | events | the estate's orders that month | figures (SQL) "
        "| raw orders | workbook | 4 charts |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows:
        cells = [f"{r['orders']:,}", f"{r['events']:,}", f"{r['in_month']:,}"]
        for key in ("figures", "raw", "workbook", "charts"):
            median, worst = r[key]  # type: ignore[misc]
            cells.append(f"{median * 1000:,.0f} ms (max {worst * 1000:,.0f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--schema", default="bench_reports", help="made by bench.report_data")
    parser.add_argument("--estate", default="BX")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    empty = args.schema + "_empty"
    load_before = os.getloadavg()[0]
    asyncio.run(empty_schema(args.database, empty))
    rows = [
        ("empty", asyncio.run(measure(args.database, empty, args.estate, args.month, args.runs))),
        ("filled", asyncio.run(measure(args.database, args.schema, args.estate, args.month,
                                       args.runs))),
    ]  # fmt: skip
    figures = table(rows)
    # The machine is shared: the load says how far apart two runs' figures may be.
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    print(figures)
    print(load)
    if not args.no_write:
        command = (
            f"`python -m bench.report_speed --estate {args.estate} --month {args.month} "
            f"--runs {args.runs}` (PostgreSQL, 2 cores shared with other work, {load}; "
            "median of the runs)"
        )
        block = f"{BEGIN}\n{command}\n\n{figures}\n{END}"
        text = RESULTS.read_text()
        if BEGIN in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), block, text, flags=re.S)
        else:
            text += f"\n# An estate's monthly report\n\n{block}\n"
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
