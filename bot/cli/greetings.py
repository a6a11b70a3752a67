"""`guanjia greeting list|show|set|reset`: an estate's holiday greeting texts.

Each festival the estate's region greets has a default text in both scripts; `set` writes the
estate's own, in one script (`--locale`), with the other made by OpenCC in the region's phrasing
(or given with `--other-text`, or kept as it is with `--keep-other`), and prints both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.admin import fail, format_table, run_work
from bot.cli.help import Typer
from bot.runtime.settings import Settings
from bot.views.greeting_views import greeting_card
from core.i18n import LOCALES, Translator
from core.services import directory, greeting_texts
from core.services.greeting_texts import GreetingText
from core.uow import UnitOfWork

greeting_app = Typer(help="Holiday greeting texts, per festival and script.", no_args_is_help=True)

EstateArg = Annotated[str, typer.Argument(help="Estate code, e.g. BX.")]
FestivalArg = Annotated[
    str, typer.Argument(help=f"The festival: {', '.join(greeting_texts.FESTIVALS)}.")
]


def _show(text: GreetingText) -> None:
    typer.echo(f"{text.festival}: {'own text' if text.own else 'default text'}")
    typer.echo(greeting_card(Translator("zh_Hans"), text))


@greeting_app.command("list")
def list_command(estate: EstateArg) -> None:
    """The festivals the estate's region greets, and the text each will get."""

    async def work(uow: UnitOfWork, _settings: Settings) -> list[GreetingText]:
        found = await directory.require_estate(uow, estate)
        return await greeting_texts.texts_of(uow, found.id)

    rows = [
        [
            text.festival,
            text.next_day.isoformat() if text.next_day else "",
            "own" if text.own else "default",
            text.text_hans.splitlines()[0][:24],
        ]
        for text in run_work(work, Settings(), commit=False)
    ]
    typer.echo(format_table(["festival", "next", "text", "Simplified"], rows), nl=False)


@greeting_app.command("show")
def show_command(estate: EstateArg, festival: FestivalArg) -> None:
    """One festival's greeting in both scripts."""

    async def work(uow: UnitOfWork, _settings: Settings) -> GreetingText:
        found = await directory.require_estate(uow, estate)
        return await greeting_texts.text_of(uow, found.id, festival)

    _show(run_work(work, Settings(), commit=False))


@greeting_app.command("set")
def set_command(
    estate: EstateArg,
    festival: FestivalArg,
    locale: Annotated[str, typer.Option(help="The script of the text: zh_Hans or zh_Hant.")] = (
        "zh_Hans"
    ),
    text: Annotated[str | None, typer.Option(help="The greeting, in one script.")] = None,
    from_file: Annotated[
        Path | None, typer.Option(help="Read the greeting from this UTF-8 file.")
    ] = None,
    other_text: Annotated[
        str | None, typer.Option(help="Your own text in the other script (else OpenCC's).")
    ] = None,
    keep_other: Annotated[
        bool, typer.Option(help="Leave the other script's text as it is.")
    ] = False,
) -> None:
    """Write the estate's own greeting for a festival; prints it in both scripts."""
    if locale not in LOCALES:
        raise fail(f"--locale must be one of {', '.join(LOCALES)}")
    if (text is None) == (from_file is None):
        raise fail("give the greeting with --text or --from-file (one of them)")
    if from_file is not None:
        try:
            text = from_file.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {from_file}: {exc}") from None
    assert text is not None

    async def work(uow: UnitOfWork, _settings: Settings) -> GreetingText:
        found = await directory.require_estate(uow, estate)
        return await greeting_texts.set_text(
            uow, found.id, festival, locale, text, other_text, keep_other
        )

    _show(run_work(work, Settings()))


@greeting_app.command("reset")
def reset_command(estate: EstateArg, festival: FestivalArg) -> None:
    """Back to the default greeting for a festival."""

    async def work(uow: UnitOfWork, _settings: Settings) -> GreetingText:
        found = await directory.require_estate(uow, estate)
        return await greeting_texts.reset(uow, found.id, festival)

    _show(run_work(work, Settings()))
