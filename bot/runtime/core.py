"""Composition: the neutral routers in their fixed order, the pipeline, the sender, a front end."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.conversation.context import BotConfig
from bot.conversation.routing import Router
from bot.dialogs import (
    binding,
    callback,
    complete_job,
    freetext,
    greeting_edit,
    job_answers,
    notice_new,
    notice_send,
    reasons,
    report,
    survey,
)
from bot.handlers import common, desk, fallback, feedback, resident, staff, surveys
from bot.handlers import reports as report_handlers
from bot.handlers import settings as settings_handlers
from bot.runtime.flood import FloodGuard
from bot.runtime.pipeline import Pipeline
from bot.runtime.resources import Runtime
from bot.runtime.scheduler import Scheduler
from bot.runtime.send_share import SendShare
from bot.runtime.sender import OutboxSender, SendRates, Transport
from bot.runtime.settings import Settings
from core.leadership import Leadership
from core.services.housekeeping import Retention

log = logging.getLogger(__name__)

BATCH = 100
PAID_BATCH = 500


def routers() -> list[Router]:
    """Commands for everyone first, then dialogs in progress, then roles, the fallback last."""
    return [
        common.router,
        report.router,
        binding.router,
        complete_job.router,
        reasons.router,
        callback.router,
        survey.router,
        notice_new.router,
        notice_send.router,
        greeting_edit.router,
        desk.router,
        report_handlers.router,
        settings_handlers.router,
        feedback.router,
        surveys.router,
        staff.router,
        job_answers.router,
        resident.router,
        freetext.router,
        fallback.router,
    ]


def retention(settings: Settings) -> Retention:
    """How long what is kept only for a while is kept (core/services/housekeeping.py)."""
    return Retention(outbox=timedelta(days=settings.outbox_retention_days))


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
            default_locale=settings.default_locale,
            paid_broadcast=settings.allow_paid_broadcast,
        )
        if settings.bot_username:  # else the Bot API's getMe says it (bot/cli)
            config = replace(config, bot_username=settings.bot_username)
        pipeline = Pipeline(runtime.uow_factory, routers(), config)
        pipeline.flood = FloodGuard(burst=settings.flood_burst)
        return cls(runtime, pipeline, config)

    def attach_sender(self, transport: Transport) -> OutboxSender:
        settings = self.runtime.settings
        rates = SendRates(
            per_second=settings.send_rate_per_second,
            private_chat_burst=settings.private_chat_burst,
            private_chat_per_second=settings.private_chat_per_second,
            group_per_minute=settings.group_per_minute,
        )
        lease = timedelta(seconds=settings.outbox_lease_seconds)
        # Claimed messages in hand: about four seconds at the overall rate, and half a second
        # at the paid-broadcast rate where that is allowed (100 there held paid broadcasts to
        # a few hundred a second: each claim waits for the last round to be recorded).
        batch = PAID_BATCH if settings.allow_paid_broadcast else BATCH
        sender = OutboxSender(
            self.runtime.uow_factory, transport, rates, batch_size=batch, lease=lease
        )
        self.pipeline.sender = sender
        return sender

    def background_loops(self, sender: OutboxSender) -> dict[str, Callable[[], Awaitable[None]]]:
        """The loops every front end runs beside its updates: the outbox sender, its share of
        the bot-wide rate beside other processes, and the routines' scheduler (which leads
        only where it holds the lock, core/leadership.py)."""
        self.scheduler = Scheduler(
            self.runtime.uow_factory,
            self.config,
            Leadership(self.runtime.engine),
            wake_sender=sender.wake,
            retention=retention(self.runtime.settings),
        )
        share = SendShare(self.runtime.uow_factory, sender.limits)
        return {"outbox": sender.run, "send-share": share.run, "scheduler": self.scheduler.run}
