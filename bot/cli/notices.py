"""`guanjia notice create|send|cancel|status|list`: notices to many from the command line.

`create` writes a draft and prints it as its readers will see it, in both scripts (the other
script made by OpenCC; `--other-text` replaces it). `send` shows that preview again, asks, and
either schedules it (`--at`, the estate's local time: the running bot's scheduler sends it) or
writes every recipient's message to the outbox now, batch by batch, for the running bot's sender
to deliver. Times are read and shown in the estate's time zone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from bot.cli.admin import fail, format_table, message_of
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from bot.views import notices as notice_views
from core.errors import DomainError
from core.i18n import Translator
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind, NoticeView, Who
from core.uow import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
TIME_FORMAT = "%Y-%m-%d %H:%M"

notice_app = typer.Typer(help="Notices to many: works, outages, events, rules, urgent notices.")


def _with_runtime(work: Callable[[UnitOfWorkFactory, Settings], Awaitable[T]]) -> T:
    settings = Settings()

    async def main() -> T:
        runtime: Runtime = build_runtime(settings)
        try:
            return await work(runtime.uow_factory, settings)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise fail(message_of(exc)) from None


def _local(text: str | None, timezone: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise fail(f"bad time {text!r}: write it as YYYY-MM-DD HH:MM") from None


def preview(notice: NoticeView) -> str:
    parts = []
    for locale, title in (("zh_Hans", "Simplified"), ("zh_Hant", "Traditional")):
        t = Translator(locale, notice.timezone)
        parts.append(f"--- {title} ---\n{notice_views.notice_text(t, notice, validity=True)}")
    return "\n".join(parts) + "\n"


def _when(moment: datetime | None, timezone: str) -> str:
    return "" if moment is None else moment.astimezone(ZoneInfo(timezone)).strftime(TIME_FORMAT)


@notice_app.command("create")
def create_command(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    kind: Annotated[NoticeKind, typer.Option(help="What kind of notice.")],
    text: Annotated[str, typer.Option(help="The text, in one script.")],
    script: Annotated[str, typer.Option(help="The script of --text: zh_Hans or zh_Hant.")] = (
        "zh_Hans"
    ),
    other_text: Annotated[
        str | None, typer.Option(help="Your own text in the other script (else OpenCC's).")
    ] = None,
    who: Annotated[Who, typer.Option(help="residents, staff or both.")] = Who.RESIDENTS,
    building: Annotated[
        list[str] | None, typer.Option(help="Only these buildings (repeat the option).")
    ] = None,
    unit: Annotated[
        list[str] | None, typer.Option(help="Only these units, as BUILDING/UNIT, e.g. 1栋/101.")
    ] = None,
    place: Annotated[str | None, typer.Option(help="Planned works: where.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Works: YYYY-MM-DD HH:MM.")] = None,
    end: Annotated[str | None, typer.Option("--until", help="Works: YYYY-MM-DD HH:MM.")] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="Leaves the residents' list then (default: --until).")
    ] = None,
) -> None:
    """Write a draft notice and print it in both scripts."""

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> NoticeView:
        async with uows() as uow:
            found = await directory.require_estate(uow, estate)
            buildings, units = await _places(uow, found.id, building or [], unit or [])
            notice = await notices.create(
                uow,
                NewNotice(
                    estate_id=found.id,
                    kind=kind,
                    text=text,
                    locale=script,
                    audience=Audience(who, buildings, units),
                    place=place,
                    starts_at=_local(start, found.timezone),
                    ends_at=_local(end, found.timezone),
                    valid_until=_local(valid_until, found.timezone),
                    other_text=other_text,
                ),
            )
            await uow.commit()
            return notice

    notice = _with_runtime(work)
    typer.echo(f"notice {notice.id} created (draft)")
    typer.echo(preview(notice), nl=False)
    typer.echo(f"send it with: guanjia notice send {notice.id}")


async def _places(
    uow: UnitOfWork, estate_id: int, building_names: list[str], unit_names: list[str]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    buildings = []
    for name in building_names:
        found = await directory.get_building(uow, estate_id, name)
        if found is None:
            raise fail(f"no building {name!r} in this estate")
        buildings.append(found.id)
    units = []
    for name in unit_names:
        building_name, _, number = name.partition("/")
        found_unit = await directory.find_unit(uow, estate_id, building_name, number)
        if found_unit is None:
            raise fail(f"no unit {name!r} in this estate (write BUILDING/UNIT)")
        units.append(found_unit.id)
    return tuple(buildings), tuple(units)


@notice_app.command("send")
def send_command(
    notice_id: Annotated[int, typer.Argument(help="The notice's number.")],
    at: Annotated[
        str | None, typer.Option(help="Send at this local time, YYYY-MM-DD HH:MM (else now).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Show the notice in both scripts, then send it now or schedule it."""

    async def show(uows: UnitOfWorkFactory, _settings: Settings) -> NoticeView:
        async with uows() as uow:
            return await notices.get(uow, notice_id)

    notice = _with_runtime(show)
    typer.echo(preview(notice), nl=False)
    if not yes and not typer.confirm("Send this notice?"):
        raise typer.Exit(1)

    async def send(uows: UnitOfWorkFactory, settings: Settings) -> tuple[NoticeView, int]:
        async with uows() as uow:
            scheduled = await notices.schedule(uow, notice_id, _local(at, notice.timezone))
            await uow.commit()
        written = 0
        if scheduled.status is notices.NoticeStatus.SENDING:
            written = await notices.advance(
                uows,
                notice_views.render,
                settings.default_locale,
                paid_broadcast=settings.allow_paid_broadcast,
            )
        return scheduled, written

    scheduled, written = _with_runtime(send)
    if scheduled.status is notices.NoticeStatus.SCHEDULED:
        when = _when(scheduled.scheduled_at, notice.timezone)
        typer.echo(f"notice {notice_id} scheduled for {when}")
    else:
        typer.echo(f"notice {notice_id}: {written} message(s) queued for the bot to send")


@notice_app.command("cancel")
def cancel_command(notice_id: Annotated[int, typer.Argument(help="The notice's number.")]) -> None:
    """Cancel a draft, scheduled or sending notice: what is not sent yet is not sent."""

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> int:
        async with uows() as uow:
            dropped = await notices.cancel(uow, notice_id)
            await uow.commit()
            return dropped

    dropped = _with_runtime(work)
    typer.echo(f"notice {notice_id} cancelled; {dropped} message(s) not yet sent were dropped")


@notice_app.command("status")
def status_command(notice_id: Annotated[int, typer.Argument(help="The notice's number.")]) -> None:
    """Where a notice stands: sent, pending, failed, blocked."""

    async def work(
        uows: UnitOfWorkFactory, _settings: Settings
    ) -> tuple[NoticeView, notices.Progress]:
        async with uows() as uow:
            return await notices.get(uow, notice_id), await notices.progress(uow, notice_id)

    notice, progress = _with_runtime(work)
    typer.echo(
        f"notice {notice.id} ({notice.kind}): {notice.status}; recipients {progress.recipients}, "
        f"sent {progress.sent}, pending {progress.pending}, failed {progress.failed}, "
        f"blocked {progress.blocked}"
    )


@notice_app.command("list")
def list_command(estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")]) -> None:
    """The estate's notices, newest first."""

    async def work(uows: UnitOfWorkFactory, _settings: Settings) -> list[NoticeView]:
        async with uows() as uow:
            found = await directory.require_estate(uow, estate)
            return await notices.list_for_estate(uow, found.id)

    rows = [
        [
            str(n.id),
            n.kind,
            n.status,
            _when(n.scheduled_at, n.timezone),
            _when(n.valid_until, n.timezone),
            n.text_hans.splitlines()[0][:20],
        ]
        for n in _with_runtime(work)
    ]
    header = ["id", "kind", "status", "sent/scheduled", "valid until", "text"]
    typer.echo(format_table(header, rows), nl=False)
