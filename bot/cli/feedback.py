"""`guanjia feedback`: the feedback library of an estate for a period, as CSV (newest first),
narrowed to a team, a worker, a category or a source. Every export is recorded with the
operator's login, like the reports'."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.admin import emit, run_work
from bot.cli.reports import _operator, choose_period
from bot.runtime.settings import Settings
from core.errors import NotFound
from core.i18n import Translator, pick_name
from core.services import directory, feedback, people, reports
from core.services.feedback import Filter, Source
from core.uow import UnitOfWork

COLUMNS = (
    "time",
    "source",
    "order",
    "category",
    "team",
    "worker",
    "rating",
    "text",
    "voice_seconds",
)


async def feedback_csv(uow: UnitOfWork, chosen: Filter, t: Translator) -> str:
    """The comments chosen as CSV: one row each, times in the estate's zone, names in the
    reader's script (what residents wrote as they wrote it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    async for line in feedback.every_line(uow, chosen):
        writer.writerow(
            [
                line.at.astimezone(t.tz).strftime("%Y-%m-%d %H:%M"),
                str(line.source),
                line.order_number or "",
                pick_name(t.locale, *line.category) if line.category else "",
                t.name(line.team) if line.team else "",
                t.name(line.worker) if line.worker else "",
                "" if line.rating is None else line.rating,
                line.text or "",
                "" if line.voice_ref is None else (line.voice_seconds or 0),
            ]
        )
    return buffer.getvalue()


def feedback_command(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX")],
    first: Annotated[str | None, typer.Option("--from", help="First day: 2026-11-01")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day: 2026-11-30")] = None,
    month: Annotated[str | None, typer.Option(help="A month: 2026-11")] = None,
    quarter: Annotated[str | None, typer.Option(help="A quarter: 2026Q4")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team (its name)")] = None,
    worker: Annotated[str | None, typer.Option(help="Only this worker (their phone)")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category (its code)")] = None,
    source: Annotated[
        Source | None, typer.Option(help="Only comments from callback, survey, dispute or praise")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write to this file (else standard output)")
    ] = None,
    locale: Annotated[str | None, typer.Option(help="zh_Hans or zh_Hant")] = None,
) -> None:
    """Residents' comments (callbacks, surveys, disputes, praise) of an estate for a period
    (this month by default), newest first, as CSV."""

    async def work(uow: UnitOfWork, _settings: Settings) -> str:
        found = await directory.require_estate(uow, estate)
        today = uow.clock.now().astimezone(ZoneInfo(found.timezone)).date()
        period = choose_period(today, month, first, last, quarter)
        since, until = period.bounds(found.timezone)
        chosen = Filter(found.id, since=since, until=until, source=source)
        if team is not None:
            known = await directory.get_team(uow, found.id, team)
            if known is None:
                raise typer.BadParameter(f"no team {team!r} in {found.code}")
            chosen = replace(chosen, team_id=known.id)
        if worker is not None:
            person = await people.find_by_phone(uow, worker)
            if person is None:
                raise NotFound()
            chosen = replace(chosen, worker_id=person)
        if category is not None:
            ref = await feedback.category_by_code(uow, found.id, category)
            if ref is None:
                raise typer.BadParameter(f"no category {category!r} in {found.code}")
            chosen = replace(chosen, category_id=ref)
        t = Translator(locale or found.default_locale, found.timezone)
        text = await feedback_csv(uow, chosen, t)
        await reports.record_export(uow, found.code, period, "feedback csv", asked_by=_operator())
        return text

    emit(run_work(work, Settings()), out, bom=True)
