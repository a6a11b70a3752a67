"""The routines of the service day, platform-neutral: the time-limit sweep, the 48-hour
confirmation, the team digests (08:00, 13:30) and the end-of-day check (17:30, answers to the
supervisor at 18:30).

Each function works in the caller's unit of work and announces what it did (core/news.py); the
caller renders the news before committing, so what a routine changes and what it says commit
together.
A daily routine first claims its `RoutineRun` row (estate, routine, local day): a second claim,
after a restart or on another machine, finds the row and does nothing, and a run that failed
rolls its claim back with everything else, to be caught up at the next tick.

The period reports: on the 1st of each month, at the estate's morning hour (08:00 by default, the
setting `routines.reports`), last month's report goes to the estate's managers, and on a
quarter's first day last quarter's too. Their run is claimed for the month's first day, so a bot
that was down on the 1st catches them up in the first week, and none goes out twice.

The end-of-day answers reach the supervisor at 18:30 (an hour after the question, while the day
is still fresh and before the next morning's digest); estates change any of the times with
`guanjia estate set` (core/estate_settings.py: digest_am, digest_pm, eod_check, eod_report,
phone_list). A team may have digest times of its own (seed 002 篇3: housekeeping at 08:00,
engineering at 09:00): such a team's digest is a routine of its own, claimed apart
(`TeamRoutine`, "digest_am@7"), and the estate's digest leaves that team out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.enums import OrderKind, OrderStatus, Role
from core.estate_settings import ROUTINE_TIMES, TEAM_ROUTINES, BadStoredSetting, own_value
from core.lifecycle import Action, Actor
from core.models import Estate, Order, OrderEvent, RoutineRun, Team
from core.news import (
    Delayed,
    DeskReason,
    DigestReady,
    EndOfDayAsked,
    EndOfDayReport,
    Escalated,
    FollowUp,
    PeriodReportReady,
    PhoneList,
    Reminded,
)
from core.services import callbacks, dispatch, orders, people, reports, special_events
from core.services.candidates import TEAM_FOR_KIND
from core.services.dispatch import Routed
from core.services.orders import OrderView
from core.timelimits import due_after
from core.uow import UnitOfWork, each_in_its_own_unit


class Routine(StrEnum):
    MORNING_DIGEST = "digest_am"
    AFTERNOON_DIGEST = "digest_pm"
    END_OF_DAY_CHECK = "eod_check"
    END_OF_DAY_REPORT = "eod_report"
    PHONE_LIST = "phone_list"  # the desk's phone callbacks (core/services/callbacks.py)
    PERIOD_REPORTS = "reports"  # last month's (and quarter's) report, in a month's first week


DEFAULT_TIMES = {Routine(name): at for name, (at, _meaning) in ROUTINE_TIMES.items()}
DIGESTS = (Routine.MORNING_DIGEST, Routine.AFTERNOON_DIGEST)
REPORTS_CATCH_UP_DAYS = 7  # a bot down on the 1st sends the period reports within the week

log = logging.getLogger(__name__)

# Past its limit an order climbs these stages, one limit apart; the last one is final.
REMINDED, REDISPATCHED, ESCALATED = 1, 2, 3
SWEPT_STATUSES = (
    OrderStatus.REGISTERED,
    OrderStatus.DISPATCHED,
    OrderStatus.ACCEPTED,
    OrderStatus.ON_SITE,
    OrderStatus.COMPLETED,
)
UNSIGNED = (
    OrderStatus.DISPATCHED,
    OrderStatus.ACCEPTED,
    OrderStatus.EN_ROUTE,
    OrderStatus.ON_SITE,
)
AUTO_CONFIRM_NOTE = "auto: no answer from the resident in 48 hours"


@dataclass(frozen=True)
class TeamRoutine:
    """A team's own digest, at its own time: claimed apart from the estate's."""

    routine: Routine
    team_id: int

    def __str__(self) -> str:
        return f"{self.routine}@{self.team_id}"


Due = Routine | TeamRoutine


@dataclass(frozen=True)
class EstateTimes:
    id: int
    name: str
    timezone: str
    times: dict[Routine, time]
    team_times: dict[TeamRoutine, time] = field(default_factory=dict)  # teams' own digests

    def all_times(self) -> dict[Due, time]:
        return {**self.times, **self.team_times}

    def own_teams(self, routine: Routine) -> set[int]:
        """The teams that have their own time for this digest (the estate's leaves them out)."""
        return {due.team_id for due in self.team_times if due.routine is routine}


@dataclass(frozen=True)
class TeamDigest:
    team_id: int
    team_name: str
    new: tuple[OrderView, ...]  # not yet dispatched
    unaccepted: tuple[OrderView, ...]  # dispatched to the team, nobody accepted yet
    today: tuple[OrderView, ...]  # accepted, for today or already late

    @property
    def empty(self) -> bool:
        return not (self.new or self.unaccepted or self.today)


@dataclass(frozen=True)
class EndOfDayLine:
    order: OrderView
    worker_id: int | None
    answer: str | None  # None: the worker did not answer


# --- when ----------------------------------------------------------------------------------------


def routine_times(settings: dict[str, Any] | None) -> dict[Routine, time]:
    overrides = (settings or {}).get("routines") or {}
    return {
        routine: time.fromisoformat(overrides[routine]) if routine in overrides else default
        for routine, default in DEFAULT_TIMES.items()
    }


async def estates(uow: UnitOfWork) -> list[EstateTimes]:
    rows = list(await uow.session.scalars(select(Estate).order_by(Estate.id)))
    teams = list(await uow.session.scalars(select(Team).where(Team.settings.is_not(None))))
    found = []
    for estate in rows:
        team_times = {}
        for team in teams:
            for name in TEAM_ROUTINES if team.estate_id == estate.id else ():
                try:
                    own = own_value(estate, name, team)
                except BadStoredSetting:  # hand-edited: the estate's time, until set again
                    log.warning("team %s: unreadable %s, the estate's time applies", team.id, name)
                    continue
                if own is not None:
                    team_times[TeamRoutine(Routine(name), team.id)] = own
        times = routine_times(estate.settings)
        found.append(EstateTimes(estate.id, estate.name, estate.timezone, times, team_times))
    return found


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def run_day(routine: Due, today: date) -> date | None:
    """The day a run of the routine is claimed for: today for the daily ones; for the period
    reports the month's first day, within the first week (None: not due this day)."""
    if routine is not Routine.PERIOD_REPORTS:
        return today
    return today.replace(day=1) if today.day <= REPORTS_CATCH_UP_DAYS else None


async def due_routines(uow: UnitOfWork, estate: EstateTimes) -> list[Due]:
    """Today's routines whose time has come and that have not run yet, earliest first (the
    estate's before a team's at the same time): what a scheduler that was down (or not the
    leader) catches up."""
    now = uow.clock.now()
    local = now.astimezone(ZoneInfo(estate.timezone))
    today = local.date()
    all_times = estate.all_times()
    days = {due: run_day(due, today) for due in all_times}
    rows = await uow.session.execute(
        select(RoutineRun.routine, RoutineRun.day).where(
            RoutineRun.estate_id == estate.id,
            RoutineRun.day.in_({day for day in days.values() if day is not None}),
        )
    )
    done = {(routine, day) for routine, day in rows}
    passed = [
        (at, isinstance(due, TeamRoutine), str(due), due)
        for due, at in all_times.items()
        if (day := days[due]) is not None
        and (at <= local.time() or day < today)
        and (str(due), day) not in done
    ]
    return [due for *_, due in sorted(passed)]


async def claim_run(uow: UnitOfWork, estate_id: int, routine: Due, day: date) -> bool:
    """True if this caller runs the routine for that day; False if it ran (or is running)."""
    insert = pg_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RoutineRun)
        .values(estate_id=estate_id, routine=str(routine), day=day, started_at=uow.clock.now())
        .on_conflict_do_nothing(index_elements=["estate_id", "routine", "day"])
        .returning(RoutineRun.id)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none() is not None


async def run_routine(uow: UnitOfWork, estate: EstateTimes, routine: Due) -> bool:
    """Runs one daily routine for today unless it already ran; the caller commits."""
    today = local_day(uow.clock.now(), estate.timezone)
    day = run_day(routine, today)
    if day is None or not await claim_run(uow, estate.id, routine, day):
        return False
    if isinstance(routine, TeamRoutine) or routine in DIGESTS:
        if isinstance(routine, TeamRoutine):
            digests = await team_digests(uow, estate.id, estate.timezone, only={routine.team_id})
        else:
            leave_out = estate.own_teams(routine)
            digests = await team_digests(uow, estate.id, estate.timezone, leave_out=leave_out)
        for digest in digests:
            if not digest.empty:
                uow.announce(DigestReady(estate.id, digest))
    elif routine is Routine.END_OF_DAY_CHECK:
        await end_of_day_check(uow, estate.id)
    elif routine is Routine.END_OF_DAY_REPORT:
        lines = await end_of_day_answers(uow, estate.id, estate.timezone)
        if lines:
            uow.announce(EndOfDayReport(estate.id, day, tuple(lines)))
    elif routine is Routine.PHONE_LIST:
        since = datetime.combine(day, time(), ZoneInfo(estate.timezone))
        listed = await callbacks.phone_list(uow, estate.id, since)
        if listed:
            uow.announce(PhoneList(estate.id, tuple(listed)))
    elif routine is Routine.PERIOD_REPORTS:
        await period_reports(uow, estate.id, day)
    return True


def periods_ending_before(first: date) -> list[reports.Period]:
    """What a month's first day reports on: last month, and on a quarter's first day (January,
    April, July, October) last quarter too."""
    ended = [reports.last_month(first)]
    if first.month in (1, 4, 7, 10):
        last_day = first - timedelta(days=1)
        ended.append(reports.quarter(f"{last_day.year}Q{(last_day.month - 1) // 3 + 1}"))
    return ended


async def period_reports(uow: UnitOfWork, estate_id: int, first: date) -> None:
    """The reports that ended before `first`, to each manager of the estate: recorded as
    exports for them, then announced."""
    managers = await people.holders(uow, estate_id, {Role.MANAGER})
    if not managers:
        return
    estate = await uow.session.get_one(Estate, estate_id)
    for period in periods_ending_before(first):
        for manager in managers:
            await reports.record_export(uow, estate.code, period, "scheduled", person_id=manager)
        uow.announce(
            PeriodReportReady(
                estate_id, estate.code, period.first, period.last, period.label, tuple(managers)
            )
        )


# --- the time-limit sweep ------------------------------------------------------------------------


async def overdue_orders(uow: UnitOfWork, limit: int = 200) -> list[int]:
    """Orders past their limit with a step still to take, the longest overdue first."""
    rows = await uow.session.scalars(
        select(Order.id)
        .where(
            Order.due_at <= uow.clock.now(),
            Order.overdue_stage < ESCALATED,
            Order.status.in_([str(s) for s in SWEPT_STATUSES]),
            Order.incident_id.is_(None),
        )
        .order_by(Order.due_at, Order.id)
        .limit(limit)
    )
    return list(rows)


async def _lock(uow: UnitOfWork, order_id: int) -> Order | None:
    query = select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    if uow.session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # another sweeper has it: leave it
    return await uow.session.scalar(query)


async def handle_overdue(uow: UnitOfWork, order_id: int) -> str | None:
    """Takes the next step for one overdue order; returns what was done (None: nothing due)."""
    order = await _lock(uow, order_id)
    now = uow.clock.now()
    if (
        order is None
        or order.due_at is None
        or order.due_at > now
        or order.overdue_stage >= ESCALATED
        or order.status not in SWEPT_STATUSES
    ):
        return None
    if order.status == OrderStatus.COMPLETED:
        return await _unconfirmed(uow, order)
    system = Actor.system()
    stage = order.overdue_stage + 1
    status = order.status
    if stage == REMINDED:
        await orders.act(uow, order.id, Action.REMIND, system, f"overdue: {status}")
        uow.announce(Reminded(order.id))
        done = "reminded"
    elif stage == REDISPATCHED:
        done = await _redispatch(uow, order)
    else:
        await orders.act(uow, order.id, Action.ESCALATE, system, f"overdue: {status}")
        uow.announce(Escalated(order.id))
        done = "escalated"
    await _next_limit(uow, order, stage)
    if await _resident_kept_waiting(uow, order, stage, now):
        uow.announce(Delayed(order.id))
    return done


async def _resident_kept_waiting(uow: UnitOfWork, order: Order, stage: int, now: datetime) -> bool:
    """Whether the time the resident was told has really passed, so that they are owed an
    apology with the new time. Before a worker accepts, they were promised an answer by
    `orders.promised_answer`; once work has begun, the first overdue step is a reminder to
    staff only, and the resident hears from the next one on."""
    if order.status in (OrderStatus.REGISTERED, OrderStatus.DISPATCHED):
        return now >= await orders.promised_answer(uow, await orders.get(uow, order.id))
    return stage > REMINDED


async def _redispatch(uow: UnitOfWork, order: Order) -> str:
    """Before acceptance the order goes on its way again by the estate's mode (the rules pick
    someone else, the team's group may grab it, or the desk dispatches); once work has begun
    the desk follows it up."""
    status = order.status
    if status in (OrderStatus.REGISTERED, OrderStatus.DISPATCHED):
        exclude = {order.assignee_id} if order.assignee_id else None
        reason = DeskReason.WAITING if status == OrderStatus.REGISTERED else DeskReason.OVERDUE
        routed = await dispatch.route(uow, order.id, reason, exclude=exclude)
        if routed is not Routed.DESK:
            return "redispatched" if routed is Routed.DISPATCHED else "reposted"
        await orders.act(uow, order.id, Action.REMIND, Actor.system(), f"overdue: {status} desk")
        return "desk"
    await orders.act(uow, order.id, Action.REMIND, Actor.system(), f"overdue: {status} desk")
    uow.announce(FollowUp(order.id))
    return "desk"


async def _next_limit(uow: UnitOfWork, order: Order, stage: int) -> None:
    """The stage reached, and the next step expected one more limit from now."""
    estate = await uow.session.get_one(Estate, order.estate_id)
    order.overdue_stage = stage
    order.due_at = due_after(
        uow.clock.now(),
        order.status,
        order.priority,
        timezone=estate.timezone,
        region=estate.region,
        estate_settings=estate.settings,
    )
    await uow.flush()


async def _unconfirmed(uow: UnitOfWork, order: Order) -> str:
    """48 hours without the resident's answer: confirmed by the system, recorded as such.
    A complaint is never closed that way: it goes to a supervisor to call the resident."""
    system = Actor.system()
    if order.kind == OrderKind.COMPLAINT:
        await orders.act(
            uow, order.id, Action.ESCALATE, system, "complaint not confirmed in 48 hours"
        )
        order.overdue_stage = ESCALATED
        await uow.flush()
        uow.announce(Escalated(order.id))
        return "escalated"
    await orders.act(uow, order.id, Action.CONFIRM, system, AUTO_CONFIRM_NOTE)
    await callbacks.schedule(uow, order.id)
    return "confirmed"


async def sweep(
    uow_factory: Any, before_commit: Callable[[UnitOfWork], Awaitable[None]]
) -> dict[str, int]:
    """Every overdue order, each in its own unit of work (one failure never holds back the
    rest); `before_commit(uow)` renders that unit's news into its outbox. Overdue special-event
    callbacks remind their managers in the same sweep."""
    counts = await each_in_its_own_unit(uow_factory, overdue_orders, handle_overdue, before_commit)
    counts.update(await special_events.sweep(uow_factory, before_commit))
    return counts


async def callback_sweep(
    uow_factory: Any, before_commit: Callable[[UnitOfWork], Awaitable[None]]
) -> dict[str, int]:
    """The minute's callbacks (core/services/callbacks.py): those come due are asked, those
    unanswered a reminder's time after asking are reminded once; idempotent."""
    return await callbacks.sweep(uow_factory, before_commit)


# --- digests -------------------------------------------------------------------------------------


async def _views(uow: UnitOfWork, query: Any) -> tuple[OrderView, ...]:
    return tuple(await orders.views_of(uow, list(await uow.session.scalars(query))))


async def team_digests(
    uow: UnitOfWork,
    estate_id: int,
    timezone: str,
    *,
    only: set[int] | None = None,
    leave_out: set[int] | frozenset[int] = frozenset(),
) -> list[TeamDigest]:
    """Per working team (`only` these, none of `leave_out`): orders of its trade waiting for
    dispatch, its jobs nobody accepted, and its accepted jobs for today (or already late)."""
    now = uow.clock.now()
    local_midnight = datetime.combine(
        local_day(now, timezone) + timedelta(days=1), time(), ZoneInfo(timezone)
    )
    kinds_of: dict[str, list[str]] = {}
    for kind, team_kind in TEAM_FOR_KIND.items():
        kinds_of.setdefault(str(team_kind), []).append(str(kind))
    digests = []
    teams = await uow.session.scalars(
        select(Team).where(Team.estate_id == estate_id).order_by(Team.id)
    )
    for team in list(teams):
        kinds = kinds_of.get(team.kind)
        if not kinds or team.id in leave_out or (only is not None and team.id not in only):
            continue
        mine = select(Order.id).where(Order.estate_id == estate_id, Order.incident_id.is_(None))
        new = await _views(
            uow,
            mine.where(Order.status == OrderStatus.REGISTERED, Order.kind.in_(kinds)).order_by(
                Order.id
            ),
        )
        unaccepted = await _views(
            uow,
            mine.where(Order.status == OrderStatus.DISPATCHED, Order.team_id == team.id).order_by(
                Order.id
            ),
        )
        working = [
            str(s) for s in (OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE, OrderStatus.ON_SITE)
        ]
        today = await _views(
            uow,
            mine.where(
                Order.status.in_(working),
                Order.team_id == team.id,
                (Order.window_start.is_(None)) | (Order.window_start < local_midnight),
            ).order_by(Order.window_start, Order.id),
        )
        digests.append(TeamDigest(team.id, team.name, new, unaccepted, today))
    return digests


# --- the end-of-day check ------------------------------------------------------------------------


async def end_of_day_check(uow: UnitOfWork, estate_id: int) -> int:
    """Seed 002, 4.3.4: every job not signed off asks its worker for the reason and the
    expected completion; the question is an event on the order."""
    ids = await uow.session.scalars(
        select(Order.id)
        .where(
            Order.estate_id == estate_id,
            Order.assignee_id.is_not(None),
            Order.status.in_([str(s) for s in UNSIGNED]),
            Order.incident_id.is_(None),
        )
        .order_by(Order.id)
    )
    count = 0
    for order_id in list(ids):
        await orders.act(uow, order_id, Action.END_OF_DAY_QUESTION, Actor.system())
        uow.announce(EndOfDayAsked(order_id))
        count += 1
    return count


async def end_of_day_answers(uow: UnitOfWork, estate_id: int, timezone: str) -> list[EndOfDayLine]:
    """Today's end-of-day questions with the worker's latest answer after each, or None; three
    statements however many jobs were asked about (the questions and answers of today, then
    the orders)."""
    now = uow.clock.now()
    since = datetime.combine(local_day(now, timezone), time(), ZoneInfo(timezone))
    events = await uow.session.execute(
        select(OrderEvent.order_id, OrderEvent.action, OrderEvent.note)
        .join(Order, Order.id == OrderEvent.order_id)
        .where(
            Order.estate_id == estate_id,
            OrderEvent.action.in_([str(Action.END_OF_DAY_QUESTION), str(Action.END_OF_DAY_ANSWER)]),
            OrderEvent.at >= since,
        )
        .order_by(OrderEvent.id)
    )
    answers: dict[int, str | None] = {}  # by order, in the order asked; reset by a new question
    for order_id, action, note in events:
        if action == Action.END_OF_DAY_QUESTION:
            answers[order_id] = None
        elif order_id in answers:
            answers[order_id] = note
    views = await orders.views_of(uow, list(answers))
    return [EndOfDayLine(view, view.assignee_id, answers[view.id]) for view in views]
