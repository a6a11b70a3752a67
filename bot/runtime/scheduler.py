"""The routines on a clock: APScheduler wakes us (each estate's routines, and the digests of
teams with times of their own, by a CronTrigger in the estate's time zone; the sweep every
minute); the database says what is due and what already ran. The triggers are laid at start;
a time changed later (`guanjia estate set`) is kept by the minute's tick, which reads the
times afresh.

Every tick, when this process leads (core/leadership.py), first catches up today's routines
whose time has passed without a `RoutineRun` (the bot was down, or another process led), then
sweeps the time limits. A routine runs in one unit of work with its claim and its messages, and
the sender is woken once it commits. Tests call `tick()` after moving the FakeClock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.conversation.context import BotConfig
from bot.views import notices as notice_views
from bot.views import survey_views
from bot.views.tell import tell
from core import routines
from core.leadership import Leadership
from core.services import greetings, housekeeping, notices, survey_sending, surveys
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
PRUNE_SECONDS = 3600


class Scheduler:
    """Wakes the routines; owns no truth (RoutineRun and due_at in the database do)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        config: BotConfig,
        leadership: Leadership,
        wake_sender: Callable[[], None] = lambda: None,
        retention: housekeeping.Retention | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.config = config
        self.leadership = leadership
        self.wake_sender = wake_sender
        self.retention = retention or housekeeping.Retention()
        self._lock = asyncio.Lock()  # a manual tick and a timed one never overlap
        self.started = asyncio.Event()  # the catch-up at start is done

    async def tell(self, uow: UnitOfWork) -> None:
        await tell(uow, self.config)

    async def tick(self) -> None:
        """Catch up the due routines of every estate, then sweep the time limits."""
        async with self._lock:
            if not await self.leadership.is_leader():
                return
            await self._due_routines()
            counts = await routines.sweep(self.uow_factory, self.tell)
            if counts:
                log.info("time-limit sweep: %s", counts)
                self.wake_sender()
            asked = await routines.callback_sweep(self.uow_factory, self.tell)
            if asked:
                log.info("callbacks: %s", asked)
                self.wake_sender()
            await self.start_greetings()
            await self.send_notices()
            await self.run_surveys()

    async def start_greetings(self) -> list[int]:
        """A festival's first day, at the estate's greeting hour: its greeting notice, once a
        day per estate (written out by send_notices)."""
        started = await greetings.start_greetings(self.uow_factory)
        if started:
            log.info("holiday greetings started: notices %s", started)
        return started

    async def send_notices(self) -> int:
        """Writes out the notices whose time came, and those a restart left half-written,
        batch by batch, waking the sender after each."""
        written = await notices.advance(
            self.uow_factory,
            notice_views.render,
            self.config.default_locale,
            paid_broadcast=self.config.paid_broadcast,
            after_batch=self.wake_sender,
        )
        if written:
            log.info("notices: %s message(s) queued", written)
        async with self.uow_factory() as uow:
            if await notices.report_progress(uow):
                await self.tell(uow)
                await uow.commit()
                self.wake_sender()
        return written

    async def run_surveys(self) -> int:
        """Satisfaction surveys: the reached marks brought up to date, those whose window ended
        closed (with the managers' alert when under the threshold), then the questionnaires and
        reminders due written out, batch by batch, waking the sender after each."""
        closed = await surveys.close_due(self.uow_factory, self.tell)
        if closed:
            log.info("surveys closed: %s", closed)
            self.wake_sender()
        written = await survey_sending.advance(
            self.uow_factory,
            survey_views.render,
            self.config.default_locale,
            after_batch=self.wake_sender,
        )
        if written:
            log.info("surveys: %s household(s) written", written)
        return written

    async def run_routines_of(self, estate_id: int) -> None:
        """What an estate's cron trigger calls: whatever of its routines is due now."""
        async with self._lock:
            if await self.leadership.is_leader():
                await self._due_routines(estate_id)

    async def _due_routines(self, only: int | None = None) -> None:
        async with self.uow_factory() as uow:
            estates = await routines.estates(uow)
        for estate in estates:
            if only is not None and estate.id != only:
                continue
            async with self.uow_factory() as uow:
                due = await routines.due_routines(uow, estate)
            for routine in due:
                async with self.uow_factory() as uow:
                    ran = await routines.run_routine(uow, estate, routine)
                    await self.tell(uow)
                    await uow.commit()
                if ran:
                    log.info("routine %s ran for estate %s", routine, estate.id)
                    self.wake_sender()

    async def prune(self) -> housekeeping.Pruned | None:
        """Hourly, where this process leads: what is kept only for a while goes
        (core/services/housekeeping.py). Apart from the routines: it tells nobody anything."""
        if not await self.leadership.is_leader():
            return None
        pruned = await housekeeping.prune(self.uow_factory, self.retention)
        if pruned:
            log.info("housekeeping: %s", pruned)
        return pruned

    async def _guarded(self, job: Callable[[], object]) -> None:
        try:
            await job()  # type: ignore[misc]
        except Exception:
            log.exception("scheduled routine failed; the next tick catches it up")

    async def run(self) -> None:
        """The background loop: APScheduler in this event loop until cancelled.

        Whatever stops it (a cancellation even during the first tick), the leadership lock's
        connection is given back.
        """
        try:
            await self._run()
        finally:
            await asyncio.shield(self.leadership.release())

    async def _run(self) -> None:
        await self._guarded(self.tick)  # at start, before anything else: catch up the missed
        self.started.set()
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        scheduler.add_job(
            self._guarded,
            IntervalTrigger(seconds=SWEEP_SECONDS, timezone=UTC),
            args=[self.tick],
            id="tick",
            name="time-limit sweep",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # late is better than never: the tick is idempotent
        )
        scheduler.add_job(
            self._guarded,
            IntervalTrigger(seconds=PRUNE_SECONDS, timezone=UTC),
            args=[self.prune],
            id="prune",
            name="housekeeping",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        async with self.uow_factory() as uow:
            estates = await routines.estates(uow)
        for estate in estates:  # a team's own digest time has a trigger of its own
            for routine, at in estate.all_times().items():
                scheduler.add_job(
                    self._guarded,
                    CronTrigger(hour=at.hour, minute=at.minute, timezone=estate.timezone),
                    args=[lambda estate_id=estate.id: self.run_routines_of(estate_id)],
                    id=f"{routine}:{estate.id}",
                    name=f"{routine} for estate {estate.id}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
        scheduler.start()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
