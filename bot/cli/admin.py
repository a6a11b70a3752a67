"""Operator commands that set an estate up: `guanjia import`, `guanjia invite`, `guanjia staff`.

Each command builds the settings and the runtime, runs one unit of work, commits it when all went
well and disposes the engine. The database must already be migrated. Output is English (these are
operators' tools, not chat text); errors go to stderr with a non-zero exit status.
"""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
import typer
from sqlalchemy.exc import OperationalError

from bot.cli.help import Typer
from bot.conversation.context import BotConfig
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from bot.views.labels import RELATION_LABELS, ROLE_LABELS
from bot.views.tell import tell
from core.crypto import mask_phone
from core.enums import Relation, Role
from core.errors import DomainError, ImportFailed, NotFound
from core.i18n import Translator
from core.services import directory, duty, importer, invitations, people
from core.services.keycheck import WrongDataKey
from core.services.orders import OrderView
from core.uow import UnitOfWork

T = TypeVar("T")


class OutputFormat(StrEnum):
    LINKS = "links"
    TABLE = "table"
    CSV = "csv"


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def ask_username(api_base: str, token: str) -> str:
    """The bot's username, from the Bot API's getMe."""
    timeout = aiohttp.ClientTimeout(total=15)
    url = f"{api_base.rstrip('/')}/bot{token}/getMe"
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        body = await response.json(content_type=None)
    if not body.get("ok"):
        raise ValueError(body.get("description") or f"HTTP {response.status}")
    return str(body["result"]["username"])


def bot_username(settings: Settings, *, required: bool = True) -> str | None:
    """BOT_USERNAME if set, else the username Telegram gives for BOT_TOKEN; with neither, a refusal
    (links must name the operator's own bot), or None when `required` is False."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.bot_token is None:
        if not required:
            return None
        raise fail(
            "no bot to link to: set BOT_TOKEN (the bot's username is then asked from Telegram) "
            "or BOT_USERNAME"
        )
    try:
        return asyncio.run(ask_username(settings.api_base, settings.bot_token.get_secret_value()))
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
        raise fail(
            f"could not ask Telegram for the bot's username (getMe at {settings.api_base}): "
            f"{exc or type(exc).__name__}; set BOT_USERNAME or check BOT_TOKEN"
        ) from None


def relation_label(relation: Relation, estate: directory.EstateView) -> str:
    """业主 / 租户 (in the estate's script): what the resident handed the link reads."""
    return Translator(estate.default_locale).gettext(RELATION_LABELS[relation])


def role_label(role: Role, estate: directory.EstateView) -> str:
    return Translator(estate.default_locale).gettext(ROLE_LABELS[role])


def message_of(exc: DomainError) -> str:
    try:
        return exc.message_id.format(**exc.params)
    except (KeyError, IndexError, ValueError):
        return exc.message_id


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def run_work(
    work: Callable[[UnitOfWork, Settings], Awaitable[T]],
    settings: Settings,
    *,
    commit: bool = True,
) -> T:
    """Runs `work` in one unit of work; commits unless it raised (or `commit` is False)."""

    async def main() -> T:
        runtime: Runtime = build_runtime(settings)
        try:
            await runtime.verify_key()
            async with runtime.uow_factory() as uow:
                result = await work(uow, settings)
                if commit:
                    await uow.commit()
                return result
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except ImportFailed as exc:
        for row, message in exc.errors:
            where = "file" if row == 0 else f"row {row}"
            typer.echo(f"{where}: {message}", err=True)
        typer.echo(f"{len(exc.errors)} problem(s); nothing was imported.", err=True)
        raise typer.Exit(1) from None
    except DomainError as exc:
        raise fail(message_of(exc)) from None
    except WrongDataKey as exc:
        raise fail(str(exc), 2) from None
    except OperationalError as exc:
        raise fail(
            f"database: {exc.orig} (is DATABASE_URL right and the schema migrated?)", 2
        ) from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded for a terminal or a printout, counting a Chinese character as two."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [str(c) + " " * (w - _width(str(c))) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def emit(text: str, out: Path | None, *, bom: bool = False) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8-sig" if bom else "utf-8")


# --- guanjia import ------------------------------------------------------------------------------


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8, Excel's 'CSV UTF-8' is fine).")],
    check: Annotated[
        bool, typer.Option("--check", help="Only check the file; write nothing.")
    ] = False,
) -> None:
    """Import estates, buildings, units, teams, staff and residents from one CSV file."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None

    async def work(uow: UnitOfWork, _settings: Settings) -> importer.ImportSummary:
        return await importer.import_csv(uow, data)

    summary = run_work(work, Settings(), commit=not check)
    for line in summary.lines():
        typer.echo(line)
    if check:
        typer.echo("checked: no problems found; nothing was written (--check).")


# --- guanjia invite ------------------------------------------------------------------------------


def invite_command(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    building: Annotated[str | None, typer.Option(help="Only this building, e.g. 1栋.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit (needs --building).")] = None,
    relation: Annotated[Relation, typer.Option(help="Who the codes are for.")] = Relation.OWNER,
    days: Annotated[int, typer.Option(min=1, help="Days before the codes expire.")] = 30,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="links: one deep link a line; table: printable; csv."),
    ] = OutputFormat.LINKS,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """One-time invitation links binding a resident's Telegram account to a unit."""
    if unit is not None and building is None:
        raise fail("--unit needs --building (unit numbers repeat across buildings)")
    settings = Settings()
    username = bot_username(settings)
    assert username is not None

    async def work(
        uow: UnitOfWork, settings: Settings
    ) -> tuple[directory.EstateView, list[invitations.InvitationView]]:
        found = await directory.require_estate(uow, estate)
        if building is None:
            units = await directory.list_estate_units(uow, found.id)
        else:
            block = await directory.get_building(uow, found.id, building)
            if block is None:
                raise NotFound(
                    "unknown building {name!r} in {code}", name=building, code=found.code
                )
            units = await directory.list_units(uow, block.id)
            if unit is not None:
                units = [u for u in units if u.number == unit.strip()]
                if not units:
                    raise NotFound("unknown unit {unit!r} in {name}", unit=unit, name=building)
        if not units:
            raise NotFound("no units to invite: import the units first")
        views = await invitations.create_unit_invitations(
            uow, [u.id for u in units], relation, days
        )
        return found, views

    found, views = run_work(work, settings)
    zone = ZoneInfo(found.timezone)
    links = [deep_link(username, v.code) for v in views]
    if output is OutputFormat.LINKS:
        lines = [
            f"{found.code} {v.building} {v.unit_number} ({relation_label(v.relation, found)}): "
            f"{link}\n"
            for v, link in zip(views, links, strict=True)
        ]
        emit("".join(lines), out)
    else:
        header = ["estate", "building", "unit", "relation", "code", "link", "expires"]
        rows = [
            [
                found.code,
                v.building,
                v.unit_number,
                relation_label(v.relation, found),
                v.code,
                link,
                v.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            ]
            for v, link in zip(views, links, strict=True)
        ]
        if output is OutputFormat.TABLE:
            emit(format_table(header, rows), out)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
            emit(buffer.getvalue(), out, bom=True)  # the BOM makes Excel read it as UTF-8
    if out is not None:
        typer.echo(f"wrote {len(views)} invitation(s) to {out}", err=True)


# --- guanjia staff ... ---------------------------------------------------------------------------

staff_app = Typer(help="Staff members of an estate.", no_args_is_help=True)


def _print_code(username: str | None, code: str, days: int) -> None:
    typer.echo(f"code: {code}")
    if username is None:
        typer.echo("link: unknown (set BOT_TOKEN or BOT_USERNAME to have it printed)")
    else:
        typer.echo(f"link: {deep_link(username, code)}")
    typer.echo(f"valid for {days} day(s), once; it links the Telegram account that opens it.")


@staff_app.command("add")
def staff_add(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 张师傅.")],
    phone: Annotated[str, typer.Option(help="Mobile phone number.")],
    role: Annotated[str, typer.Option(help="technician, housekeeper, dispatcher, ...")],
    team: Annotated[str | None, typer.Option(help="Team name, e.g. 工程组.")] = None,
    days: Annotated[int, typer.Option(min=1, help="Days before the code expires.")] = 7,
) -> None:
    """Add a staff member (or a role to one) and print their one-time link code."""

    async def work(uow: UnitOfWork, _settings: Settings) -> tuple[directory.Enrolment, str]:
        found = await directory.require_estate(uow, estate)
        staff_role = directory.check_staff_role(role)
        team_id = None if team is None else (await directory.ensure_team(uow, found.id, team)).id
        enrolment = await directory.ensure_staff(uow, found.id, name, phone, staff_role, team_id)
        code = await invitations.create_staff_invitation(uow, enrolment.person_id, found.id, days)
        return enrolment, code

    settings = Settings()
    username = bot_username(settings, required=False)
    enrolment, code = run_work(work, settings)
    who = f"{name} ({mask_phone(phone)})"
    if enrolment.person_created:
        typer.echo(f"added {who} as {role.lower()} in {estate.upper()}")
    elif enrolment.created:
        typer.echo(f"{who} was on record: granted {role.lower()} in {estate.upper()}")
    else:
        typer.echo(f"{who} already is {role.lower()} in {estate.upper()}")
    _print_code(username, code, days)


@staff_app.command("role")
def staff_role(
    phone: Annotated[str, typer.Option(help="The staff member's phone number.")],
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    role: Annotated[str, typer.Option(help="technician, housekeeper, dispatcher, ...")],
    team: Annotated[str | None, typer.Option(help="Team name, e.g. 工程组.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take the role away.")] = False,
) -> None:
    """Grant a role to someone on record (by phone), or take it away with --remove."""

    async def work(uow: UnitOfWork, settings: Settings) -> list[OrderView]:
        if remove:
            return await remove_role(uow, settings, estate, phone, role)
        found = await directory.require_estate(uow, estate)
        staff_role = directory.check_staff_role(role)
        person_id = await _person_on_record(uow, phone)
        team_id = None if team is None else (await directory.ensure_team(uow, found.id, team)).id
        await people.grant_role(uow, person_id, found.id, staff_role, team_id)
        return []

    returned = run_work(work, Settings())
    done = "removed" if remove else "granted"
    typer.echo(f"{done} {role.lower()} for {mask_phone(phone)} in {estate.upper()}")
    if returned:
        numbers = ", ".join(order.number for order in returned)
        typer.echo(f"{len(returned)} open job(s) went back to the desk: {numbers}")


async def _person_on_record(uow: UnitOfWork, phone: str) -> int:
    person_id = await people.find_by_phone(uow, phone)
    if person_id is None:
        raise NotFound(
            "no one on record has phone {phone}; use `staff add`", phone=mask_phone(phone)
        )
    return person_id


async def remove_role(
    uow: UnitOfWork, settings: Settings, estate: str, phone: str, role: str
) -> list[OrderView]:
    """`staff role --remove`: the role is taken away, effective at the person's next press; the
    open jobs it let them hold go back to the desk, which is told of each. The resident hears
    nothing until the job is dispatched again. Returns the orders that went back."""
    found = await directory.require_estate(uow, estate)
    staff_role = directory.check_staff_role(role)
    person_id = await _person_on_record(uow, phone)
    returned = await people.revoke_role(uow, person_id, found.id, staff_role)
    config = BotConfig(default_locale=settings.default_locale)
    await tell(uow, config)  # the desk gets each job back, to dispatch again
    return returned


@staff_app.command("code")
def staff_code(
    phone: Annotated[str, typer.Option(help="The staff member's phone number.")],
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    days: Annotated[int, typer.Option(min=1, help="Days before the code expires.")] = 7,
) -> None:
    """A fresh one-time code linking a staff member's Telegram account (older codes lapse)."""

    async def work(uow: UnitOfWork, _settings: Settings) -> str:
        found = await directory.require_estate(uow, estate)
        person_id = await directory.staff_person(uow, found.id, phone)
        return await invitations.create_staff_invitation(uow, person_id, found.id, days)

    settings = Settings()
    username = bot_username(settings, required=False)
    code = run_work(work, settings)
    _print_code(username, code, days)


@staff_app.command("list")
def staff_list(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    all_roles: Annotated[
        bool, typer.Option("--all", help="Include roles that were taken away.")
    ] = False,
) -> None:
    """The staff of an estate: name, masked phone, role, team."""

    async def work(
        uow: UnitOfWork, _settings: Settings
    ) -> tuple[directory.EstateView, list[directory.StaffView]]:
        found = await directory.require_estate(uow, estate)
        return found, await directory.list_staff(uow, found.id, include_inactive=all_roles)

    found, staff = run_work(work, Settings(), commit=False)
    if not staff:
        typer.echo("no staff")
        return
    header = ["name", "phone", "role", "team", *(["active"] if all_roles else [])]
    rows = [
        [
            s.name or "-",
            s.phone_masked or "-",
            role_label(s.role, found),
            s.team or "-",
            *(["yes" if s.active else "no"] if all_roles else []),
        ]
        for s in staff
    ]
    typer.echo(format_table(header, rows), nl=False)


def roster_command(
    estate: Annotated[str, typer.Option(help="Estate code, e.g. BX.")],
    file: Annotated[Path, typer.Argument(help="CSV: phone,weekday,start,end (e.g. mon, 08:00).")],
) -> None:
    """Import the duty roster: who is on duty on which weekday, between which hours.

    Each worker named in the file gets exactly the shifts listed (their old ones are replaced);
    nobody off duty is offered a job. Any bad row and nothing is written."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None

    async def work(uow: UnitOfWork, _settings: Settings) -> int:
        found = await directory.require_estate(uow, estate)
        return await duty.import_roster(uow, found.id, data)

    typer.echo(f"{run_work(work, Settings())} shifts imported")


def mount(app: typer.Typer) -> None:
    """Adds `import`, `invite`, `roster`, `report`, `feedback` and `staff …` to the `guanjia`
    command."""
    from bot.cli.feedback import feedback_command  # they build on this module's helpers
    from bot.cli.reports import report_command

    app.command("report")(report_command)
    app.command("feedback")(feedback_command)
    app.command("import")(import_command)
    app.command("roster")(roster_command)
    app.command("invite")(invite_command)
    app.add_typer(staff_app, name="staff")


admin_app = Typer(help="Estate setup for operators.", no_args_is_help=True)
mount(admin_app)
