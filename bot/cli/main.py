"""The `guanjia` command: run the bot, the demo, the sandbox, migrations and admin commands."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.exc import OperationalError

from bot.cli.help import Typer
from bot.runtime.loop import run_event_loop
from bot.runtime.settings import Settings
from core.services.keycheck import WrongDataKey

if TYPE_CHECKING:
    from bot.runtime.resources import Runtime

log = logging.getLogger("guanjia")

app = Typer(help="Guanjia: the Telegram front desk of a property-management company.")
db_app = Typer(help="Database migrations.")
app.add_typer(db_app, name="db")


def _logging(settings: Settings) -> None:
    from bot.runtime.logs import configure

    configure(settings.log_level, settings.log_format)


def startup_line(
    settings: Settings, username: str | None, webhook: bool, estates: list[str]
) -> str:
    """What a started bot says first: which bot, how updates come, which database (without its
    password), which estates."""
    from sqlalchemy.engine import make_url

    database = make_url(settings.database_url).render_as_string(hide_password=True)
    how = f"webhook {settings.webhook_url}" if webhook else "long polling"
    served = ", ".join(estates) if estates else "none yet (guanjia import)"
    bot = f"@{username}" if username else "(username unknown)"
    return f"guanjia {settings.framework}: bot {bot}, {how}, database {database}, estates: {served}"


@app.command()
def run(
    api_base: Annotated[
        str | None, typer.Option(help="Bot API base URL (emulator, local server)")
    ] = None,
    webhook: Annotated[
        bool, typer.Option(help="Receive updates by webhook instead of polling")
    ] = False,
    framework: Annotated[str | None, typer.Option(help="aiogram (default) or ptb")] = None,
) -> None:
    """Run the bot (long polling, or a webhook behind a secret token)."""
    from bot.runtime.resources import build_runtime

    overrides = {k: v for k, v in {"api_base": api_base, "framework": framework}.items() if v}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    _logging(settings)
    if settings.bot_token is None:
        raise typer.BadParameter("BOT_TOKEN is not set (see the README)")
    token = settings.bot_token.get_secret_value()

    async def main() -> None:
        runtime = build_runtime(settings)
        try:
            await runtime.verify_key()
            await _serve(runtime, settings, token, webhook)
        finally:
            await runtime.close()

    try:
        run_event_loop(main())
    except WrongDataKey as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OperationalError as exc:
        typer.echo(
            f"error: database: {exc.orig} (is DATABASE_URL right? run `guanjia db upgrade`)",
            err=True,
        )
        raise typer.Exit(2) from None


async def _serve(runtime: Runtime, settings: Settings, token: str, webhook: bool) -> None:
    """Polling begins first (updates are recorded and acknowledged from the first second), then
    the front end loads (importing aiogram or python-telegram-bot takes seconds: in a thread,
    so that the event loop keeps receiving) and handles what came meanwhile."""
    import importlib

    from bot.channels.telegram_intake import Intake
    from bot.runtime.resources import freeze_startup_heap
    from bot.runtime.supervisor import supervise

    intake = None
    polling = None
    if not webhook:
        intake = Intake(runtime.uow_factory, int(token.split(":", 1)[0]))
        poll = lambda: intake.poll(settings.api_base, token, settings.polling_timeout)  # noqa: E731
        polling = asyncio.create_task(supervise("polling", poll), name="polling")
    try:
        await _announce_start(runtime, settings, token, webhook)
        front_end = "ptb_channel" if settings.framework == "ptb" else "aiogram_channel"
        channel = await asyncio.to_thread(importlib.import_module, f"bot.channels.{front_end}")
        core_module = await asyncio.to_thread(importlib.import_module, "bot.runtime.core")
        core = core_module.Core.build(runtime)
        run_front_end = channel.run_ptb if settings.framework == "ptb" else channel.run_aiogram
        freeze_startup_heap()
        serving = asyncio.create_task(
            run_front_end(core, token, settings.api_base, webhook, intake), name="front end"
        )
        try:
            await asyncio.shield(serving)
        except asyncio.CancelledError:
            # Stopping: receiving ends first and the handlings under way finish, so that their
            # answers still reach the sender; then the sender, the scheduler and the rest.
            if polling is not None:
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            raise
    finally:
        if polling is not None:
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)


async def _announce_start(runtime: Runtime, settings: Settings, token: str, webhook: bool) -> None:
    from bot.cli.admin import ask_username
    from core.services.directory import list_estates

    username = settings.bot_username
    if not username:
        try:
            username = await ask_username(settings.api_base, token)
        except Exception as exc:  # the front end's own getMe reports it properly
            log.warning("getMe failed: %s", type(exc).__name__)
    async with runtime.uow_factory() as uow:
        estates = [f"{e.code} {e.name}" for e in await list_estates(uow)]
    log.info("%s", startup_line(settings, username, webhook, estates))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the database schema."""
    from core.migrate import upgrade

    settings = Settings()
    run_event_loop(upgrade(settings.database_url, revision))
    typer.echo(f"database at {revision}")


@app.command()
def keygen() -> None:
    """Print a new DATA_KEY (the key that encrypts names and phone numbers)."""
    from core.crypto import new_key

    typer.echo(new_key())


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8081,
    token: Annotated[
        str, typer.Option(help="The bot token the sandbox accepts")
    ] = "123456:SANDBOX",
) -> None:
    """Run the local Telegram Bot API emulator on its own (no Telegram, no network)."""
    from tg_emulator import serve

    run_event_loop(serve(host="127.0.0.1", port=port, token=token))


@app.command()
def demo(
    locale: Annotated[str, typer.Option(help="zh_Hans, zh_Hant or both")] = "both",
) -> None:
    """Play a scripted conversation against the emulator and print the transcript."""
    from sandbox.demo import run_demo

    run_event_loop(run_demo(locale))


def main() -> None:
    from bot.cli.admin import mount
    from bot.cli.estates import estate_app
    from bot.cli.greetings import greeting_app
    from bot.cli.notices import notice_app
    from bot.cli.surveys import survey_app

    mount(app)
    app.add_typer(notice_app, name="notice")
    app.add_typer(estate_app, name="estate")
    app.add_typer(survey_app, name="survey")
    app.add_typer(greeting_app, name="greeting")
    app()
