"""`guanjia report`: an estate's report for a period, as text, CSV or an XLSX workbook."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.admin import emit, run_work
from bot.runtime.settings import Settings
from core.i18n import Translator
from core.services import directory, reports
from core.uow import UnitOfWork


class ReportFormat(StrEnum):
    TEXT = "text"
    CSV = "csv"
    XLSX = "xlsx"


def choose_period(
    today: date, month: str | None, first: str | None, last: str | None, quarter: str | None
) -> reports.Period:
    """One of --month, --quarter or --from/--to; this month of the estate when none is given."""
    given = [x for x in (month, quarter, first or last) if x]
    if len(given) > 1:
        raise typer.BadParameter("give one of --month, --quarter or --from/--to")
    if month:
        return reports.month(month)
    if quarter:
        return reports.quarter(quarter)
    if first or last:
        if not (first and last):
            raise typer.BadParameter("--from and --to go together")
        try:
            return reports.between(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            raise typer.BadParameter("dates are written 2026-11-01") from None
    return reports.this_month(today)


def report_command(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX")],
    month: Annotated[str | None, typer.Option(help="A month: 2026-11")] = None,
    quarter: Annotated[str | None, typer.Option(help="A quarter: 2026Q4")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day: 2026-11-01")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day: 2026-11-30")] = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text, csv or xlsx")
    ] = ReportFormat.TEXT,
    out: Annotated[Path | None, typer.Option(help="Write to this file")] = None,
    locale: Annotated[str | None, typer.Option(help="zh_Hans or zh_Hant")] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw the Pareto chart of categories to this PNG")
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option(help="Also draw every chart of the report as PNG files in this folder"),
    ] = None,
) -> None:
    """The estate's report for a period: orders by type and category, on-time rates, step
    times, reopen rate, callback coverage and satisfaction, complaints by team and subject,
    fees per worker and day, staff figures; the charts on request. Every export is recorded
    with the operator's login."""
    from bot.views import report_views

    if output is ReportFormat.XLSX and out is None:
        raise typer.BadParameter("--format xlsx needs --out FILE")

    async def work(uow: UnitOfWork, _settings: Settings) -> str | bytes:
        found = await directory.require_estate(uow, estate)
        today = uow.clock.now().astimezone(ZoneInfo(found.timezone)).date()
        period = choose_period(today, month, first, last, quarter)
        t = Translator(locale or found.default_locale, found.timezone)
        report = await reports.build(uow, found.code, period, staff_figures=True)
        await reports.record_export(uow, found.code, period, str(output), asked_by=_operator())
        draw(t, report)
        if output is ReportFormat.TEXT:
            return report_views.as_text(t, report)
        raw = await reports.raw_orders(uow, found.code, period)
        if output is ReportFormat.CSV:
            return report_views.as_csv(t, report, raw)
        return report_views.as_xlsx(t, report, raw)

    def draw(t: Translator, report: reports.Report) -> None:
        from bot.views import charts as drawn

        if chart is not None:
            chart.write_bytes(drawn.pareto_png(t, report))
        if charts is not None:
            charts.mkdir(parents=True, exist_ok=True)
            for each in drawn.charts(t, report):
                (charts / f"{each.name}.png").write_bytes(drawn.png(each.figure))

    result = run_work(work, Settings())
    if isinstance(result, bytes):
        assert out is not None
        out.write_bytes(result)
    else:
        emit(result, out, bom=output is ReportFormat.CSV)


def _operator() -> str:
    import getpass

    try:
        return getpass.getuser()[:100]
    except (KeyError, OSError):
        return "unknown"
