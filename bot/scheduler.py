"""The routines on a clock: APScheduler wakes us (each estate's routines by a CronTrigger in its
own time zone, the sweep every minute); the database says what is due and what already ran.

Every tick, when this process leads (core/leadership.py), first catches up today's routines
whose time has passed without a `RoutineRun` (the bot was down, or another process led), then
sweeps the time limits. A routine runs in one unit of work with its claim and its messages, and
the sender is woken once it commits. Tests call `tick()` after moving the FakeClock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import notify
from bot.context import BotConfig, Outlet
from bot.desk import (
    JobAct,
    desk_card,
    post_grab,
    post_to_desk,
    send_job_card,
)
from bot.handlers.staff import work_buttons
from bot.labels import STATUS_LABELS
from bot.replies import Button, Reply
from core import routines
from core.enums import OrderStatus
from core.i18n import N_, Translator
from core.leadership import Leadership
from core.routines import EndOfDayLine, Routine, TeamDigest
from core.services import dispatch, housekeeping
from core.services.orders import OrderView
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
PRUNE_SECONDS = 3600

REMIND_ACCEPT = N_("Reminder: order {number} is waiting for you to accept it.")
REMIND_WORK = N_("Reminder: order {number} is past its time limit. Please update it.")
REMIND_DESK = N_("Waiting too long, please dispatch:")
OVERDUE_DESK = N_("Overdue, nobody accepted in time; please dispatch again:")
FOLLOW_UP_DESK = N_(
    "Order {number} is past its time limit ({status}, worker: {worker}). Please follow up."
)
ESCALATED = N_(
    "Escalated to you: order {number} is past its time limit ({status}, worker: {worker}). "
    "Please follow up."
)
COMPLAINT_UNCONFIRMED = N_(
    "Complaint {number}: the resident has not confirmed in 48 hours. Please call them."
)
WORKER_AUTO_CONFIRMED = N_(
    "Order {number} was recorded as confirmed: the resident did not answer in 48 hours."
)
DIGEST_HEAD = N_("{team}: job list at {time}")
DIGEST_NEW = N_("Waiting for dispatch ({count}):")
DIGEST_UNACCEPTED = N_("Dispatched, not yet accepted ({count}):")
DIGEST_TODAY = N_("Today's jobs ({count}):")
EOD_QUESTION = N_(
    "End of day: order {number} is not signed off. Please tell us why, and when you expect to "
    "finish it."
)
EOD_ANSWER_BUTTON = N_("Answer")
EOD_REPORT_HEAD = N_("End-of-day check for {day}: jobs not signed off")
EOD_NO_ANSWER = N_("no answer")


class BotNotifier:
    """core.routines.Notifier over the outbox: each person in their language."""

    def __init__(self, uow: UnitOfWork, config: BotConfig) -> None:
        self.sink = Outlet(uow, config)
        self.uow = uow

    async def remind(self, order: OrderView) -> None:
        if order.assignee_id is not None:
            head = REMIND_ACCEPT if order.status is OrderStatus.DISPATCHED else REMIND_WORK

            def build(t: Translator) -> Reply:
                lines = [t(head, number=order.number), *notify.order_lines(t, order)]
                if order.status is OrderStatus.DISPATCHED:
                    buttons = [
                        [
                            Button(t.gettext("Accept"), JobAct(order.id, "accept")),
                            Button(t.gettext("Decline"), JobAct(order.id, "decline")),
                        ]
                    ]
                else:
                    buttons = work_buttons(t, order)
                return Reply("\n".join(lines), buttons=buttons)

            await self.sink.notify(order.assignee_id, build)
        elif order.status is OrderStatus.DISPATCHED and order.team_id is not None:
            await post_grab(self.sink, order, order.team_id)
        else:
            await post_to_desk(
                self.sink,
                order.estate_id,
                desk_card(order, REMIND_DESK),
                dispatch.desk_for(order.kind),
            )

    async def back_to_desk(self, order: OrderView) -> None:
        desk = dispatch.desk_for(order.kind)
        if order.status in (OrderStatus.REGISTERED, OrderStatus.DISPATCHED):
            await post_to_desk(self.sink, order.estate_id, desk_card(order, OVERDUE_DESK), desk)
            return
        worker = await notify.worker_name(self.uow, order.assignee_id)
        await post_to_desk(
            self.sink,
            order.estate_id,
            lambda t: Reply(
                t(
                    FOLLOW_UP_DESK,
                    number=order.number,
                    status=t(STATUS_LABELS[order.status]),
                    worker=worker,
                )
            ),
            desk,
        )

    async def dispatched(self, order: OrderView) -> None:
        await send_job_card(self.sink, order)
        await notify.dispatched(self.sink, order)

    async def posted_for_grab(self, order: OrderView, team_id: int) -> None:
        await post_grab(self.sink, order, team_id)

    async def escalated(self, order: OrderView, supervisor_ids: list[int]) -> None:
        worker = await notify.worker_name(self.uow, order.assignee_id)

        def build(t: Translator) -> Reply:
            if order.status is OrderStatus.COMPLETED:
                head = t(COMPLAINT_UNCONFIRMED, number=order.number)
            else:
                head = t(
                    ESCALATED,
                    number=order.number,
                    status=t(STATUS_LABELS[order.status]),
                    worker=worker,
                )
            return Reply("\n".join([head, *notify.order_lines(t, order)]))

        for person_id in supervisor_ids:
            await self.sink.notify(person_id, build)

    async def apology(self, order: OrderView) -> None:
        await notify.apology(self.sink, order)

    async def auto_confirmed(self, order: OrderView) -> None:
        await notify.auto_confirmed(self.sink, order)
        if order.assignee_id is not None:
            await self.sink.notify(
                order.assignee_id, lambda t: Reply(t(WORKER_AUTO_CONFIRMED, number=order.number))
            )

    async def digest(self, estate_id: int, routine: Routine, digest: TeamDigest) -> None:
        now = self.uow.clock.now()
        names = {
            person_id: await notify.worker_name(self.uow, person_id)
            for person_id in {o.assignee_id for o in (*digest.unaccepted, *digest.today)}
            if person_id is not None
        }

        def line(t: Translator, order: OrderView) -> str:
            parts = [order.number, order.unit_label or order.place or "—"]
            if order.window_start:
                parts.append(t.short_datetime(order.window_start))
            if order.assignee_id in names:
                parts.append(names[order.assignee_id])
            return "· " + " · ".join(parts)

        def build(t: Translator) -> Reply:
            lines = [t(DIGEST_HEAD, team=t.name(digest.team_name), time=t.time(now))]
            for head, found in (
                (DIGEST_NEW, digest.new),
                (DIGEST_UNACCEPTED, digest.unaccepted),
                (DIGEST_TODAY, digest.today),
            ):
                if found:
                    lines.append(t(head, count=len(found)))
                    lines.extend(line(t, order) for order in found)
            return Reply("\n".join(lines))

        chat_id = await dispatch.desk_chat(self.uow, estate_id, dispatch.team_desk(digest.team_id))
        if chat_id is not None:
            from bot.desk import estate_translator

            await self.sink.send_to_chat(
                chat_id, build(await estate_translator(self.sink, estate_id))
            )
            return
        for person_id in await dispatch.holders_of_team(self.uow, digest.team_id):
            await self.sink.notify(person_id, build)

    async def ask_end_of_day(self, order: OrderView) -> None:
        assert order.assignee_id is not None
        await self.sink.notify(
            order.assignee_id,
            lambda t: Reply(
                "\n".join([t(EOD_QUESTION, number=order.number), *notify.order_lines(t, order)]),
                buttons=[[Button(t(EOD_ANSWER_BUTTON), JobAct(order.id, "eod"))]],
            ),
        )

    async def end_of_day_report(
        self, estate_id: int, day: date, lines: list[EndOfDayLine], supervisor_ids: list[int]
    ) -> None:
        names = {
            line.worker_id: await notify.worker_name(self.uow, line.worker_id)
            for line in lines
            if line.worker_id is not None
        }

        def build(t: Translator) -> Reply:
            text = [t(EOD_REPORT_HEAD, day=t.day(day))]
            for entry in lines:
                worker = names.get(entry.worker_id, "—")
                status = t(STATUS_LABELS[entry.order.status])
                answer = entry.answer or t(EOD_NO_ANSWER)
                text.append(f"· {entry.order.number} · {worker} · {status}: {answer}")
            return Reply("\n".join(text))

        for person_id in supervisor_ids:
            await self.sink.notify(person_id, build)


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

    def notifier_for(self, uow: UnitOfWork) -> BotNotifier:
        return BotNotifier(uow, self.config)

    async def tick(self) -> None:
        """Catch up the due routines of every estate, then sweep the time limits."""
        async with self._lock:
            if not await self.leadership.is_leader():
                return
            await self._due_routines()
            counts = await routines.sweep(self.uow_factory, self.notifier_for)
            if counts:
                log.info("time-limit sweep: %s", counts)
                self.wake_sender()

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
                    ran = await routines.run_routine(uow, estate, routine, self.notifier_for(uow))
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
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # late is better than never: the tick is idempotent
        )
        scheduler.add_job(
            self._guarded,
            IntervalTrigger(seconds=PRUNE_SECONDS, timezone=UTC),
            args=[self.prune],
            id="prune",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        async with self.uow_factory() as uow:
            estates = await routines.estates(uow)
        for estate in estates:
            for routine, at in estate.times.items():
                scheduler.add_job(
                    self._guarded,
                    CronTrigger(hour=at.hour, minute=at.minute, timezone=estate.timezone),
                    args=[lambda estate_id=estate.id: self.run_routines_of(estate_id)],
                    id=f"{routine}:{estate.id}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
        scheduler.start()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
