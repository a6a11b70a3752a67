"""`guanjia survey create|start|status|close|report|answer`: satisfaction survey campaigns from
the command line.

`create` reads a questionnaire file (YAML or CSV, README "Satisfaction surveys") into a draft
for an estate, its audience (the estate, `--building`s, or a `--sample` share with a `--seed`),
its window and reminder (the estate's local time). `start` fixes the audience and writes the
questionnaires to the outbox, batch by batch, for the running bot to send (its scheduler writes
the reminder, and closes the survey at the end of its window). `status` and `report`
show the rates; `answer` enters a household's answers from paper or the phone; `close` ends it
and alerts the managers when the satisfaction rate is under the estate's threshold.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from bot.cli.admin import emit, fail, message_of
from bot.conversation.context import BotConfig
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from bot.views import survey_views
from bot.views.tell import tell
from core.errors import DomainError
from core.i18n import LOCALES, Translator
from core.services import (
    directory,
    questionnaires,
    survey_answers,
    survey_rates,
    survey_sending,
    surveys,
)
from core.services.questionnaires import QuestionKind, QuestionnaireError
from core.services.surveys import AudienceSpec, CampaignView, Scope
from core.uow import UnitOfWorkFactory

T = TypeVar("T")
TIME_FORMAT = "%Y-%m-%d %H:%M"

survey_app = typer.Typer(help="Satisfaction survey campaigns (满意度调查).")


class ReportFormat(StrEnum):
    TEXT = "text"
    CSV = "csv"


def _with_runtime(work: Callable[[UnitOfWorkFactory, Settings], Awaitable[T]]) -> T:
    settings = Settings()

    async def main() -> T:
        runtime: Runtime = build_runtime(settings)
        try:
            await runtime.verify_key()
            return await work(runtime.uow_factory, settings)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise fail(message_of(exc)) from None


def _local(text: str | None, timezone: str, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise fail(f"{option}: bad time {text!r}: write it as YYYY-MM-DD HH:MM") from None


def _share(text: str) -> float:
    """0.05, 5 % or 5%: a share of the households."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise fail(f"--sample: {text!r} is not a share (write 0.05 or 5%)") from None
    return value / 100 if text.strip().endswith("%") or value > 1 else value


def _translator(campaign: CampaignView, locale: str | None) -> Translator:
    if locale is not None and locale not in LOCALES:
        raise fail(f"--locale: {locale!r}: write zh_Hans or zh_Hant")
    return Translator(locale or "zh_Hans", campaign.timezone)


def preview(campaign: CampaignView) -> str:
    lines = []
    for locale in LOCALES:
        lines.append(f"--- {locale}: {campaign.title(locale)} ---")
        for number, question in enumerate(campaign.questions, start=1):
            flag = " [satisfied]" if question.satisfied else ""
            lines.append(f"{number}. ({question.kind}{flag}) {question.text_in(locale)}")
            for index in range(len(question.options)):
                lines.append(f"   {index + 1}) {question.option_in(index, locale)}")
    return "\n".join(lines) + "\n"


@survey_app.command("create")
def create_command(
    file: Annotated[Path, typer.Argument(help="The questionnaire: a .yaml or .csv file.")],
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    until: Annotated[str, typer.Option(help="The survey closes then: YYYY-MM-DD HH:MM.")],
    start: Annotated[
        str | None, typer.Option("--from", help="It opens then (default: when started).")
    ] = None,
    remind: Annotated[
        str | None, typer.Option(help="Remind those who have not answered then.")
    ] = None,
    building: Annotated[
        list[str] | None, typer.Option(help="Only these buildings (repeat the option).")
    ] = None,
    sample: Annotated[
        str | None, typer.Option(help="A random share of the households: 0.05 or 5%.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="The sample's seed (the same seed draws the same).")
    ] = None,
) -> None:
    """Read a questionnaire into a draft survey and print it in both scripts."""
    try:
        questionnaire = questionnaires.parse(file.read_bytes(), file.name)
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror}") from None
    except QuestionnaireError as exc:
        raise fail(f"{file}: {exc}") from None
    share = _share(sample) if sample is not None else None

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> CampaignView:
        async with uows() as uow:
            found = await directory.require_estate(uow, estate)
            buildings = []
            for name in building or []:
                known = await directory.get_building(uow, found.id, name)
                if known is None:
                    raise fail(f"--building: no building {name!r} in {found.code}")
                buildings.append(known.id)
            scope = Scope.SAMPLE if share is not None else Scope.ESTATE
            if scope is Scope.ESTATE and buildings:
                scope = Scope.BUILDINGS
            campaign = await surveys.create(
                uow,
                found.id,
                questionnaire,
                closes_at=_local(until, found.timezone, "--until"),  # type: ignore[arg-type]
                audience=AudienceSpec(scope, tuple(buildings), share, seed),
                opens_at=_local(start, found.timezone, "--from"),
                remind_at=_local(remind, found.timezone, "--remind"),
            )
            await uow.commit()
            return campaign

    campaign = _with_runtime(work)
    audience = campaign.audience
    if audience.scope is Scope.SAMPLE:
        told = f"a sample of {audience.share or 0:.1%} of the households (seed {audience.seed})"
    elif audience.scope is Scope.BUILDINGS:
        told = f"the households of {len(audience.buildings)} building(s)"
    else:
        told = "every household of the estate"
    typer.echo(f"survey {campaign.id} created (draft), for {told}")
    typer.echo(preview(campaign), nl=False)
    typer.echo(f"start it with: guanjia survey start {campaign.id}")


@survey_app.command("start")
def start_command(
    campaign_id: Annotated[int, typer.Argument(help="The survey's number.")],
) -> None:
    """Fix the audience and queue the questionnaires for the running bot to send."""

    async def work(uows: UnitOfWorkFactory, settings: Settings) -> tuple[int, int]:
        async with uows() as uow:
            households = await surveys.start(uow, campaign_id)
            await uow.commit()
        await survey_sending.advance(uows, survey_views.render, settings.default_locale)
        async with uows() as uow:
            no_chat = len(await surveys.households_without_chat(uow, campaign_id))
        return households, no_chat

    households, no_chat = _with_runtime(work)
    typer.echo(
        f"survey {campaign_id} started: {households} household(s), {households - no_chat} "
        f"with a chat (questionnaires queued for the bot to send), {no_chat} without: see "
        f"`guanjia survey status {campaign_id}` for paper or the phone"
    )


def _status_text(status: surveys.Status, t: Translator) -> str:
    return survey_views.status_text(
        t, status.campaign, status.rates, status.buildings, status.questions, status.no_chat
    )


@survey_app.command("status")
def status_command(
    campaign_id: Annotated[int, typer.Argument(help="The survey's number.")],
    locale: Annotated[str | None, typer.Option(help="zh_Hans (default) or zh_Hant")] = None,
) -> None:
    """The three rates so far, per building and per question; the households with no chat."""

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> surveys.Status:
        async with uows() as uow:
            status = await surveys.status(uow, campaign_id)
            await uow.commit()
            return status

    status = _with_runtime(work)
    typer.echo(_status_text(status, _translator(status.campaign, locale)))


@survey_app.command("close")
def close_command(
    campaign_id: Annotated[int, typer.Argument(help="The survey's number.")],
) -> None:
    """End the survey now; under the threshold the managers get the corrective-action alert."""

    async def work(uows: UnitOfWorkFactory, settings: Settings) -> tuple[survey_rates.Rates, bool]:
        async with uows() as uow:
            rates = await surveys.close(uow, campaign_id)
            alerted = bool(uow.news)
            await tell(uow, BotConfig(default_locale=settings.default_locale))
            await uow.commit()
            return rates, alerted

    rates, alerted = _with_runtime(work)
    typer.echo(
        f"survey {campaign_id} closed: distribution {survey_views.percent(rates.distribution)}, "
        f"return {survey_views.percent(rates.return_rate)}, satisfaction "
        f"{survey_views.percent(rates.satisfaction)}"
    )
    if alerted:
        typer.echo("under the threshold: the managers were sent the corrective-action alert")


@survey_app.command("report")
def report_command(
    campaign_id: Annotated[int, typer.Argument(help="The survey's number.")],
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text, or csv (one row per household)")
    ] = ReportFormat.TEXT,
    out: Annotated[Path | None, typer.Option(help="Write to this file")] = None,
    locale: Annotated[str | None, typer.Option(help="zh_Hans (default) or zh_Hant")] = None,
) -> None:
    """The status with the weakest questions and buildings and their comments, or every
    household's answers as CSV."""

    async def work(
        uows: UnitOfWorkFactory, _settings: Settings
    ) -> tuple[surveys.Status, survey_rates.Analysis, list[survey_rates.HouseholdAnswers]]:
        async with uows() as uow:
            status = await surveys.status(uow, campaign_id)
            settings = await surveys.estate_settings(uow, status.campaign.estate_id)
            analysis = await survey_rates.analysis(
                uow,
                campaign_id,
                status.campaign.questions,
                survey_rates.threshold_of(settings),
            )
            rows = await survey_rates.household_answers(uow, campaign_id)
            await uow.commit()
            return status, analysis, rows

    status, analysis, rows = _with_runtime(work)
    t = _translator(status.campaign, locale)
    if output is ReportFormat.CSV:
        emit(answers_csv(t, status.campaign, rows), out, bom=True)
        return
    text = _status_text(status, t) + "\n\n" + survey_views.alert_text(t, status.campaign, analysis)
    emit(text + "\n", out)


def answers_csv(
    t: Translator, campaign: CampaignView, rows: list[survey_rates.HouseholdAnswers]
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    keys = [q.key for q in campaign.questions]
    writer.writerow(
        ["building", "unit", "has_chat", "reached", "by_office", "returned", "satisfied", *keys]
    )
    for row in rows:
        cells = []
        for question in campaign.questions:
            value = row.answers.get(question.key)
            if question.kind is QuestionKind.CHOICE and isinstance(value, int):
                value = question.option_in(value, t.locale)
            cells.append("" if value is None else str(value))
        writer.writerow(
            [
                row.building,
                row.unit,
                _yes(row.has_chat),
                _yes(row.reached),
                _yes(row.by_office),
                _yes(row.returned),
                "" if row.satisfied is None else _yes(row.satisfied),
                *cells,
            ]
        )
    return buffer.getvalue()


def _yes(value: bool) -> str:
    return "yes" if value else "no"


@survey_app.command("answer")
def answer_command(
    campaign_id: Annotated[int, typer.Argument(help="The survey's number.")],
    unit: Annotated[str, typer.Option(help="The household, as BUILDING/UNIT, e.g. 1栋/301.")],
    answer: Annotated[
        list[str],
        typer.Option(
            help="KEY=VALUE, repeated: a choice's number (1 = first) or wording, a score 1-5, "
            "a text (text questions may be left out)."
        ),
    ],
) -> None:
    """Enter a household's answers from a paper questionnaire or a phone call (by the office)."""
    given = {}
    for item in answer:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"--answer: {item!r}: write KEY=VALUE, e.g. overall=1")
        given[key.strip()] = value.strip()
    building, _, number = unit.partition("/")
    if not building or not number:
        raise fail(f"--unit: {unit!r}: write BUILDING/UNIT, e.g. 1栋/301")

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> survey_answers.HouseholdView:
        async with uows() as uow:
            unit_id = await survey_answers.unit_of(
                uow, campaign_id, building.strip(), number.strip()
            )
            household = await survey_answers.answer_by_office(uow, campaign_id, unit_id, given)
            await uow.commit()
            return household

    household = _with_runtime(work)
    verdict = "satisfied" if household.satisfied else "not satisfied"
    typer.echo(f"survey {campaign_id}: {unit} answered by the office ({verdict})")
