"""`guanjia estate show|set|history`: an estate's settings (core/estate_settings.py) on the
command line.

`show` lists every setting with its value and default, aligned, its meaning in the chosen
script; `set BX key=value …` checks every value first and changes all or nothing, recording
each change with who made it (`--by`, else the operator's login); `history` lists the changes.
"""

from __future__ import annotations

import getpass
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.admin import fail, format_table, run_work
from bot.cli.help import Typer
from bot.runtime.settings import Settings
from bot.views import settings_views
from core.i18n import LOCALES, Translator
from core.services import estate_settings
from core.services.estate_settings import ChangeView, EstateSettingsView
from core.uow import UnitOfWork

estate_app = Typer(help="An estate's settings: show, set, history.", no_args_is_help=True)

NOT_SET = "(default)"  # an old or new value that was not set: the default applied


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@estate_app.command("show")
def show_command(
    estate: Annotated[str, typer.Argument(help="Estate code, e.g. BX.")],
    locale: Annotated[str, typer.Option(help="zh_Hans or zh_Hant.")] = "zh_Hans",
) -> None:
    """Every setting of the estate: its value, its default and what it means."""
    if locale not in LOCALES:
        raise fail(f"--locale must be one of {', '.join(LOCALES)}")

    async def work(uow: UnitOfWork, _settings: Settings) -> EstateSettingsView:
        return await estate_settings.show(uow, estate)

    view = run_work(work, Settings(), commit=False)
    t = Translator(locale, view.timezone)
    tables = settings_views.operator_tables(t, view)
    rows = [row for _heading, group in tables for row in group]
    lines = format_table(settings_views.header(t), rows).splitlines()
    typer.echo(f"{view.code} {t.name(view.name)}")
    typer.echo("\n".join(lines[:2]))
    start = 2  # every group aligned with the others, under a heading of its own
    for heading, group in tables:
        typer.echo(f"[{heading}]")
        typer.echo("\n".join(lines[start : start + len(group)]))
        start += len(group)


@estate_app.command("set")
def set_command(
    estate: Annotated[str, typer.Argument(help="Estate code, e.g. BX.")],
    assignments: Annotated[
        list[str], typer.Argument(help="key=value … (key=default forgets the estate's value).")
    ],
    team: Annotated[
        str | None, typer.Option(help="Set a team's own value (digest_am, digest_pm).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who makes the change (else your login).")] = None,
) -> None:
    """Change settings: all are checked first, and none is changed unless all are good."""

    async def work(uow: UnitOfWork, _settings: Settings) -> list[ChangeView]:
        return await estate_settings.change(
            uow, estate, assignments, by or _operator(), team_name=team
        )

    changes = run_work(work, Settings())
    if not changes:
        typer.echo("nothing changed: every value was already so")
    for change in changes:
        where = f"{change.team_name}: " if change.team_name else ""
        typer.echo(f"{where}{change.key}: {change.old or NOT_SET} -> {change.new or NOT_SET}")


@estate_app.command("history")
def history_command(
    estate: Annotated[str, typer.Argument(help="Estate code, e.g. BX.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """Who changed which setting when (the estate's local time), newest first."""

    async def work(uow: UnitOfWork, _settings: Settings) -> tuple[str, list[ChangeView]]:
        view = await estate_settings.show(uow, estate)
        return view.timezone, await estate_settings.history(uow, estate, limit)

    timezone, changes = run_work(work, Settings(), commit=False)
    if not changes:
        typer.echo("no changes recorded")
        return
    zone = ZoneInfo(timezone)
    rows = [
        [
            c.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            c.key,
            c.team_name or "",
            c.old or NOT_SET,
            c.new or NOT_SET,
            c.changed_by,
        ]
        for c in changes
    ]
    header = ["when", "setting", "team", "old", "new", "by"]
    typer.echo(format_table(header, rows), nl=False)
