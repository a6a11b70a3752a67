"""Composition: the neutral routers in their fixed order, the pipeline, the sender, a front end."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands import default_menus as command_menus
from bot.context import BotConfig
from bot.dialogs import binding, complete_job, freetext, job_answers, report
from bot.handlers import common, desk, fallback, resident, staff
from bot.pipeline import Pipeline
from bot.routing import Router
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.sender import OutboxSender, SendRates, Transport
from bot.supervisor import run_all
from core.leadership import Leadership

log = logging.getLogger(__name__)


def routers() -> list[Router]:
    """Commands for everyone first, then dialogs in progress, then roles, the fallback last."""
    return [
        common.router,
        report.router,
        binding.router,
        complete_job.router,
        desk.router,
        staff.router,
        job_answers.router,
        resident.router,
        freetext.router,
        fallback.router,
    ]


@dataclass
class Core:
    """The platform-neutral half of a running bot."""

    runtime: Runtime
    pipeline: Pipeline
    config: BotConfig
    scheduler: Scheduler | None = None  # set by background_loops; tests tick it by hand

    @classmethod
    def build(cls, runtime: Runtime) -> Core:
        settings = runtime.settings
        config = BotConfig(
            bot_username=settings.bot_username, default_locale=settings.default_locale
        )
        pipeline = Pipeline(runtime.uow_factory, routers(), config)
        return cls(runtime, pipeline, config)

    def attach_sender(self, transport: Transport) -> OutboxSender:
        settings = self.runtime.settings
        rates = SendRates(
            per_second=settings.send_rate_per_second,
            private_chat_burst=settings.private_chat_burst,
            private_chat_per_second=settings.private_chat_per_second,
            group_per_minute=settings.group_per_minute,
        )
        sender = OutboxSender(self.runtime.uow_factory, transport, rates)
        self.pipeline.sender = sender
        return sender

    def background_loops(self, sender: OutboxSender) -> dict[str, Callable[[], Awaitable[None]]]:
        """The loops every front end runs beside its updates: the outbox sender and the
        routines' scheduler (which leads only where it holds the lock, core/leadership.py)."""
        self.scheduler = Scheduler(
            self.runtime.uow_factory,
            self.config,
            Leadership(self.runtime.engine),
            wake_sender=sender.wake,
        )
        return {"outbox": sender.run, "scheduler": self.scheduler.run}


async def run_aiogram(core: Core, token: str, api_base: str, webhook: bool = False) -> None:
    from bot.channels import aiogram_channel as channel
    from bot.channels.telegram_intake import Intake, intake_loops
    from bot.channels.telegram_update import HANDLED_KINDS

    bot = channel.make_bot(token, api_base)
    dispatcher = channel.build_dispatcher(core.pipeline)
    sender = core.attach_sender(channel.AiogramTransport(bot))
    intake = Intake(core.runtime.uow_factory, bot.id, channel.update_handler(dispatcher, bot))

    async def set_webhook(url: str, secret: str) -> None:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(HANDLED_KINDS))

    try:
        await channel.set_default_commands(bot, command_menus(core.config.default_locale))
        loops = core.background_loops(sender)
        if not webhook:
            await bot.delete_webhook()
        settings = core.runtime.settings
        loops.update(intake_loops(intake, settings, token, api_base, webhook, set_webhook))
        await run_all(loops)
    finally:
        await bot.session.close()
