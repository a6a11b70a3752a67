"""The figures a manager reads (seed 001 篇3/篇4, seed 002 篇1 3.6.3, 篇3 3.5 and 4.3.5): orders by
kind and category, on-time rates against each time limit, times to dispatch, accept, arrive and
complete, the reopen rate, complaints by team and by subject, fees collected per worker and day,
staff figures per worker; from the callbacks (回访), the callback coverage (closed orders called
back within two days of their completion) and the satisfaction rate with its monthly trend; and
the weekly completion times behind the control chart.

Every figure is an SQL aggregate over the period's orders (those registered in it, by the
estate's local calendar; fees by the day they were collected), each statement bounded to the
estate and the period by the index on (estate_id, created_at): the orders' events are read once
for every figure drawn from their timelines, once more for the staff figures, and their
callbacks once for the satisfaction and its trend (bench/RESULTS.md has the times over 500,000
orders). The percentiles are SQL aggregates on PostgreSQL; SQLite has none, there they are
taken in Python from the durations. Tables carry message ids and raw values: the views
translate and format them.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, distinct, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from core.crypto import mask_phone
from core.enums import OrderKind, OrderStatus, Role
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.i18n import place
from core.lifecycle import Action
from core.models import (
    Building,
    Callback,
    Category,
    Estate,
    Order,
    OrderEvent,
    Person,
    ReportExport,
    StaffRole,
    Team,
    Unit,
)
from core.services import people
from core.uow import UnitOfWork

# The time limits a worker or the desk owes (the resident's 48 hours to confirm is not theirs).
LIMITED = (
    OrderStatus.REGISTERED,
    OrderStatus.DISPATCHED,
    OrderStatus.ACCEPTED,
    OrderStatus.ON_SITE,
)
OVERDUE_ACTIONS = (str(Action.REMIND), str(Action.ESCALATE))
STEPS = (Action.DISPATCH, Action.ACCEPT, Action.ARRIVE, Action.COMPLETE)
REPORT_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
# Who reads the residents' full phone numbers in an export (seed 000: customer data handled by
# designated people): the estate's managers and admins; supervisors get them masked.
PHONE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
CALLBACK_WITHIN = timedelta(days=2)  # DESIGN: the callback two days after completion
TREND_MONTHS = 6  # the satisfaction trend: the period's last month and the five before


@dataclass(frozen=True)
class Period:
    """Local days [first, last] of the estate's calendar, and a label (2026-11, 2026Q4, …)."""

    first: date
    last: date
    label: str

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first, time(0), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), zone)
        return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def month(text: str) -> Period:
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise InvalidInput("A month is written 2026-11.")
    year, number = int(found[1]), int(found[2])
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), f"{year}-{number:02d}")


def quarter(text: str) -> Period:
    found = re.fullmatch(r"(\d{4})[Qq]([1-4])", text.strip())
    if not found:
        raise InvalidInput("A quarter is written 2026Q4.")
    year, number = int(found[1]), int(found[2])
    first = date(year, 3 * number - 2, 1)
    last = month(f"{year}-{3 * number}").last
    return Period(first, last, f"{year}Q{number}")


def between(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInput("The period ends before it begins.")
    return Period(first, last, f"{first.isoformat()}–{last.isoformat()}")


def this_month(today: date) -> Period:
    return month(f"{today.year}-{today.month}")


def last_month(today: date) -> Period:
    return this_month(today.replace(day=1) - timedelta(days=1))


@dataclass(frozen=True)
class KindCount:
    kind: OrderKind
    category: tuple[str, str] | None  # (Simplified, Traditional)
    orders: int


@dataclass(frozen=True)
class LimitRate:
    status: OrderStatus  # the status whose time limit is measured
    reached: int  # orders that were in that status
    late: int  # of them, orders that passed its limit

    @property
    def on_time(self) -> float | None:
        return None if not self.reached else (self.reached - self.late) / self.reached


@dataclass(frozen=True)
class StepTimes:
    step: Action
    orders: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class TeamComplaints:
    team: str | None
    complaints: int


@dataclass(frozen=True)
class SubjectComplaints:
    subject: tuple[str, str] | None  # the complaint's category (Simplified, Traditional)
    team: str | None
    complaints: int


@dataclass(frozen=True)
class MonthSatisfaction:
    month: str  # 2026-11, of the orders' registration
    answered: int  # callbacks answered (satisfied or not)
    satisfied: int

    @property
    def rate(self) -> float | None:
        return None if not self.answered else self.satisfied / self.answered


@dataclass(frozen=True)
class WeekCompletion:
    """The orders registered in a week (from its Monday) that were completed, and the sum and
    sum of squares of their times to completion in seconds (for the mean and the σ)."""

    week: date
    orders: int
    seconds: float
    squares: float

    @property
    def mean(self) -> timedelta:
        return timedelta(seconds=round(self.seconds / self.orders))  # SQLite's julianday: ±µs


@dataclass(frozen=True)
class FeeDay:
    worker_id: int | None
    worker: str | None
    day: date
    orders: int
    total: Decimal


@dataclass(frozen=True)
class WorkerFigures:
    worker_id: int
    worker: str | None
    jobs: int
    completed: int
    on_time: int  # completed without passing any time limit
    disputes: int
    reopened: int

    @property
    def on_time_share(self) -> float | None:
        return None if not self.completed else self.on_time / self.completed


@dataclass(frozen=True)
class RawOrder:
    number: str
    created_at: datetime
    kind: OrderKind
    category: tuple[str, str] | None
    status: OrderStatus
    priority: str
    home: str | None
    place: str | None
    worker: str | None
    phone: str | None  # masked unless the reader may see it
    fee: Decimal | None


@dataclass
class Report:
    estate_code: str
    estate_name: str
    timezone: str
    period: Period
    orders: int = 0
    by_kind: list[KindCount] = field(default_factory=list)
    limits: list[LimitRate] = field(default_factory=list)
    steps: list[StepTimes] = field(default_factory=list)
    completed: int = 0
    reopened: int = 0
    complaints: list[TeamComplaints] = field(default_factory=list)
    complaint_subjects: list[SubjectComplaints] = field(default_factory=list)
    fees: list[FeeDay] = field(default_factory=list)
    staff: list[WorkerFigures] | None = None  # for supervisors and managers only
    # Closed orders that had a callback, and of them those called back within two days.
    closed_called: int = 0
    called_in_time: int = 0
    answered: int = 0  # callbacks answered
    satisfied: int = 0
    trend: list[MonthSatisfaction] = field(default_factory=list)
    weeks: list[WeekCompletion] = field(default_factory=list)

    @property
    def reopen_rate(self) -> float | None:
        return None if not self.completed else self.reopened / self.completed

    @property
    def callback_coverage(self) -> float | None:
        return None if not self.closed_called else self.called_in_time / self.closed_called

    @property
    def satisfaction_rate(self) -> float | None:
        return None if not self.answered else self.satisfied / self.answered

    def completion_limits(self) -> tuple[timedelta, timedelta] | None:
        """The control chart's centre line and σ of single completion times, over all weeks
        (each week's limits are the centre ± 3σ/√n of that week)."""
        count = sum(w.orders for w in self.weeks)
        if not count:
            return None
        mean = sum(w.seconds for w in self.weeks) / count
        variance = max(sum(w.squares for w in self.weeks) / count - mean * mean, 0.0)
        return timedelta(seconds=round(mean)), timedelta(seconds=round(math.sqrt(variance)))


def median(values: list[timedelta]) -> timedelta | None:
    return statistics.median(values) if values else None  # type: ignore[return-value]


def percentile(values: list[timedelta], share: float) -> timedelta | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _postgres(uow: UnitOfWork) -> bool:
    return uow.session.bind.dialect.name == "postgresql"


def _offset(timezone: str, at: datetime) -> str:
    """SQLite has no time zones: the zone's offset at `at`, as a date-function modifier."""
    offset = ZoneInfo(timezone).utcoffset(at.replace(tzinfo=None)) or timedelta()
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def _local_day(uow: UnitOfWork, column, timezone: str, at: datetime):
    """The estate's calendar day of a UTC timestamp, in SQL."""
    if _postgres(uow):
        return cast(func.timezone(timezone, column), Date)
    return func.date(column, _offset(timezone, at))


def _local_week(uow: UnitOfWork, column, timezone: str, at: datetime):
    """The Monday of the estate's calendar week of a UTC timestamp, in SQL."""
    if _postgres(uow):
        return cast(func.date_trunc("week", func.timezone(timezone, column)), Date)
    return func.date(column, _offset(timezone, at), "weekday 0", "-6 days")


def _local_month(uow: UnitOfWork, column, timezone: str, at: datetime):
    """The estate's calendar month of a UTC timestamp, written 2026-11, in SQL."""
    if _postgres(uow):
        return func.to_char(func.timezone(timezone, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, _offset(timezone, at))


def _seconds_between(uow: UnitOfWork, first, later):
    if _postgres(uow):
        return func.extract("epoch", later - first)
    return (func.julianday(later) - func.julianday(first)) * 86400.0


async def build(
    uow: UnitOfWork, estate_code: str, period: Period, *, staff_figures: bool
) -> Report:
    estate = await uow.session.scalar(select(Estate).where(Estate.code == estate_code.upper()))
    if estate is None:
        raise NotFound()
    start, end = period.bounds(estate.timezone)
    report = Report(estate.code, estate.name, estate.timezone, period)
    # Every statement below reads the estate's orders of the period through the index on
    # (estate_id, created_at), and their events and callbacks through the indexes on order_id.
    in_period = and_(
        Order.estate_id == estate.id, Order.created_at >= start, Order.created_at < end
    )
    if _postgres(uow):
        # Many small index look-ups: the planner's cost passes jit_above_cost for a month of
        # a large estate, and compiling took longer than the statement (bench/RESULTS.md).
        await uow.session.execute(text("SET LOCAL jit = off"))
    await _by_kind(uow, report, in_period)
    await _complaints(uow, report, in_period)
    await _timelines(uow, report, in_period, estate.timezone, start)
    names: dict[int, str | None] = {}
    await _fees(uow, report, estate, start, end, names)
    if staff_figures:
        report.staff = await _staff(uow, in_period, names)
    await _satisfaction(uow, report, estate.id, period, estate.timezone)
    if _postgres(uow):
        await uow.session.execute(text("SET LOCAL jit TO DEFAULT"))
    return report


async def _by_kind(uow: UnitOfWork, report: Report, in_period) -> None:
    """Orders by kind and category, most first."""
    rows = await uow.session.execute(
        select(Order.kind, Category.name_hans, Category.name_hant, func.count())
        .select_from(Order)
        .outerjoin(Category, Category.id == Order.category_id)
        .where(in_period)
        .group_by(Order.kind, Category.name_hans, Category.name_hant)
        .order_by(func.count().desc(), Order.kind, Category.name_hans)
    )
    for kind, hans, hant, count in rows:
        category = (hans, hant or hans) if hans else None
        report.by_kind.append(KindCount(OrderKind(kind), category, int(count)))
    report.orders = sum(k.orders for k in report.by_kind)


async def _complaints(uow: UnitOfWork, report: Report, in_period) -> None:
    """Complaints by subject (their category) and team, most first; and by team, the same
    rows added up."""
    rows = await uow.session.execute(
        select(Category.name_hans, Category.name_hant, Team.name, func.count())
        .select_from(Order)
        .outerjoin(Category, Category.id == Order.category_id)
        .outerjoin(Team, Team.id == Order.team_id)
        .where(in_period, Order.kind == str(OrderKind.COMPLAINT))
        .group_by(Category.name_hans, Category.name_hant, Team.name)
        .order_by(func.count().desc(), Category.name_hans, Team.name)
    )
    report.complaint_subjects = [
        SubjectComplaints((hans, hant or hans) if hans else None, team, int(count))
        for hans, hant, team, count in rows
    ]
    teams: dict[str | None, int] = {}
    for subject in report.complaint_subjects:
        teams[subject.team] = teams.get(subject.team, 0) + subject.complaints
    ranked = sorted(teams.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    report.complaints = [TeamComplaints(team, count) for team, count in ranked]


def _first(action: Action):
    """An order's first event of that kind (within a statement grouped by order)."""
    return func.min(case((OrderEvent.action == str(action), OrderEvent.at)))


def _ever(condition):
    """1 when any of the order's events meets the condition, else 0 (grouped by order)."""
    return func.max(case((condition, 1), else_=0))


def _timeline(in_period):
    """Each order of the period reduced to one row, in one pass over its events (read from the
    index on order_id and action alone): its first dispatch, acceptance, arrival, completion
    and callback, whether it was ever in each limited status and whether it passed that
    status's limit (a reminder or an escalation in it), whether it was reopened and closed, and
    whether it had a callback."""
    overdue = OrderEvent.action.in_(OVERDUE_ACTIONS)
    return (
        select(
            Order.id.label("order_id"),
            Order.created_at,
            *[_first(step).label(str(step)) for step in STEPS],
            _first(Action.CALL_BACK).label("called_back"),
            *[_ever(OrderEvent.to_status == str(s)).label(f"reached_{s}") for s in LIMITED],
            *[
                _ever(and_(overdue, OrderEvent.from_status == str(s))).label(f"late_{s}")
                for s in LIMITED
            ],
            _ever(OrderEvent.action == str(Action.REOPEN)).label("reopened"),
            _ever(OrderEvent.action == str(Action.CLOSE)).label("closed"),
            exists().where(Callback.order_id == Order.id).label("had_callback"),
        )
        .join(OrderEvent, OrderEvent.order_id == Order.id)
        .where(in_period)
        .group_by(Order.id, Order.created_at)
        .subquery("timeline")
    )


async def _timelines(
    uow: UnitOfWork, report: Report, in_period, timezone: str, start: datetime
) -> None:
    """Everything read from the orders' timelines, per week of registration in one statement
    (the period's figures are the weeks' sums): on time against each limit, the reopen rate,
    the callback coverage (closed orders that had a callback, and of them those whose first
    callback came within two days of their first completion, or of registration when they
    were never completed: a complaint dealt with at the desk), and the completed orders with
    the sum and sum of squares of their times to first completion (the control chart). The
    median and 90th percentile of the times to each step: on PostgreSQL in the same statement
    (its total row); SQLite has no percentile aggregate, its times are read and sorted here."""
    timeline = _timeline(in_period)
    t = timeline.c
    postgres = _postgres(uow)
    completed_at = t[str(Action.COMPLETE)]
    done = _seconds_between(uow, t.created_at, completed_at)
    since = func.coalesce(completed_at, t.created_at)
    in_time = _seconds_between(uow, since, t.called_back) <= CALLBACK_WITHIN.total_seconds()
    closed_called = and_(t.closed == 1, t.had_callback)
    week = _local_week(uow, t.created_at, timezone, start).label("week")
    columns = [
        week,
        func.count(completed_at).label("completed"),
        func.sum(done).label("seconds"),
        func.sum(done * done).label("squares"),
        func.sum(t.reopened).label("reopened"),
        func.count(case((closed_called, 1))).label("closed_called"),
        func.count(case((and_(closed_called, in_time), 1))).label("called_in_time"),
        *[func.sum(t[f"reached_{s}"]).label(f"reached_{s}") for s in LIMITED],
        *[func.sum(t[f"late_{s}"]).label(f"late_{s}") for s in LIMITED],
        *[func.count(t[str(step)]).label(f"to_{step}") for step in STEPS],
    ]
    if postgres:  # intervals: exact to the microsecond
        for step in STEPS:
            span = t[str(step)] - t.created_at
            columns += [
                func.percentile_cont(0.5).within_group(span).label(f"median_{step}"),
                func.percentile_disc(0.9).within_group(span).label(f"p90_{step}"),
            ]
    grouping = func.rollup(week) if postgres else week
    rows = (await uow.session.execute(select(*columns).group_by(grouping).order_by(week))).all()
    weeks = [row._mapping for row in rows if row.week is not None]
    total = next((row._mapping for row in rows if row.week is None), None)  # PostgreSQL's

    def added(name: str) -> int:
        return sum(int(w[name] or 0) for w in weeks)

    report.completed, report.reopened = added("completed"), added("reopened")
    report.closed_called, report.called_in_time = added("closed_called"), added("called_in_time")
    report.limits = [LimitRate(s, added(f"reached_{s}"), added(f"late_{s}")) for s in LIMITED]
    report.weeks = [
        WeekCompletion(_as_date(w["week"]), int(w["completed"]), float(w["seconds"]),
                       float(w["squares"]))
        for w in weeks
        if w["completed"]
    ]  # fmt: skip
    if postgres:
        quantiles = {
            step: (total[f"median_{step}"], total[f"p90_{step}"]) if total else (None, None)
            for step in STEPS
        }
    else:
        quantiles = await _quantiles_here(uow, timeline)
    report.steps = [StepTimes(step, added(f"to_{step}"), *quantiles[step]) for step in STEPS]


async def _quantiles_here(
    uow: UnitOfWork, timeline
) -> dict[Action, tuple[timedelta | None, timedelta | None]]:
    """The median and 90th percentile of the times to each step, from the times themselves."""
    t = timeline.c
    rows = await uow.session.execute(
        select(t.created_at, *[t[str(step)] for step in STEPS]).where(
            or_(*[t[str(step)].is_not(None) for step in STEPS])
        )
    )
    spans: dict[Action, list[timedelta]] = {step: [] for step in STEPS}
    for created_at, *moments in rows:
        for step, moment in zip(STEPS, moments, strict=True):
            if moment is not None:
                spans[step].append(_aware(moment) - _aware(created_at))
    return {step: (median(v), percentile(v, 0.9)) for step, v in spans.items()}


async def _fees(
    uow: UnitOfWork, report: Report, estate: Estate, start: datetime, end: datetime,
    names: dict[int, str | None],
) -> None:  # fmt: skip
    """Fees collected per worker and day (the day they were collected)."""
    day = _local_day(uow, Order.fee_collected_at, estate.timezone, start).label("day")
    rows = await uow.session.execute(
        select(Order.fee_collected_by, day, func.count(), func.sum(Order.fee))
        .where(
            Order.estate_id == estate.id,
            Order.fee_collected_at >= start,
            Order.fee_collected_at < end,
            Order.fee.is_not(None),
        )
        .group_by(Order.fee_collected_by, day)
        .order_by(day, Order.fee_collected_by)
    )
    for person_id, local_day, count, total in rows:
        if person_id is not None and person_id not in names:
            names[person_id] = await people.name_of(uow, person_id)
        report.fees.append(
            FeeDay(
                person_id,
                names.get(person_id),
                _as_date(local_day),
                int(count),
                Decimal(str(total)).quantize(Decimal("0.01")),
            )
        )


async def _staff(uow: UnitOfWork, in_period, names: dict[int, str | None]) -> list[WorkerFigures]:
    """Per worker, from what they did (the events they made, so a job reopened and handed to
    the desk still counts for whoever did it): jobs accepted, completed, completed without
    passing any time limit, completions disputed, completions reopened. One statement, one
    pass over the period's events of those kinds: what happened to each order (a window over
    its events), then who did what."""
    kinds = (Action.ACCEPT, Action.COMPLETE, Action.DISPUTE, Action.REOPEN)
    by_order = {"partition_by": OrderEvent.order_id}
    acts = (
        select(
            OrderEvent.order_id,
            OrderEvent.actor_id,
            OrderEvent.action,
            _ever(OrderEvent.action.in_(OVERDUE_ACTIONS)).over(**by_order).label("late"),
            _ever(OrderEvent.action == str(Action.DISPUTE)).over(**by_order).label("disputed"),
            _ever(OrderEvent.action == str(Action.REOPEN)).over(**by_order).label("reopened"),
        )
        .join(Order, and_(Order.id == OrderEvent.order_id, in_period))
        .where(OrderEvent.action.in_([*OVERDUE_ACTIONS, *(str(k) for k in kinds)]))
        .subquery()
    )
    done = acts.c.action == str(Action.COMPLETE)

    def orders_where(condition):
        return func.count(distinct(case((condition, acts.c.order_id))))

    rows = await uow.session.execute(
        select(
            acts.c.actor_id,
            orders_where(acts.c.action == str(Action.ACCEPT)),
            orders_where(done),
            orders_where(and_(done, acts.c.late == 0)),
            orders_where(and_(done, acts.c.disputed == 1)),
            orders_where(and_(done, acts.c.reopened == 1)),
        )
        .where(
            acts.c.actor_id.is_not(None),
            acts.c.action.in_([str(Action.ACCEPT), str(Action.COMPLETE)]),
        )
        .group_by(acts.c.actor_id)
        .order_by(acts.c.actor_id)
    )
    figures = []
    for person_id, jobs, completed, on_time, disputes, reopened in rows:
        if person_id not in names:
            names[person_id] = await people.name_of(uow, person_id)
        figures.append(
            WorkerFigures(
                person_id,
                names[person_id],
                int(jobs),
                int(completed),
                int(on_time),
                int(disputes),
                int(reopened),
            )
        )
    return figures


async def _satisfaction(
    uow: UnitOfWork, report: Report, estate_id: int, period: Period, timezone: str
) -> None:
    """Of the callbacks answered (satisfied or not), those satisfied: for the period's orders,
    and for the orders registered in each of the last TREND_MONTHS months up to the period's
    last one (months without an answer included, as gaps). One statement, per month and
    whether the order is of the period."""
    months: list[date] = []
    cursor = period.last.replace(day=1)
    for _ in range(TREND_MONTHS):
        months.insert(0, cursor)
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    trend_start, _ = between(months[0], months[0]).bounds(timezone)
    start, end = period.bounds(timezone)
    local_month = _local_month(uow, Order.created_at, timezone, end).label("month")
    of_period = case((Order.created_at >= start, 1), else_=0).label("of_period")
    if _postgres(uow):
        # Left to itself the planner hashes every callback of every estate and month (a table
        # that only grows) to join them with these orders; one look-up per order in the index
        # on order_id reads only these months' (several times faster over 500,000 orders).
        await uow.session.execute(text("SET LOCAL enable_hashjoin = off"))
    rows = await uow.session.execute(
        select(
            local_month,
            of_period,
            func.count(),
            func.count(case((Callback.satisfied.is_(True), 1))),
        )
        .select_from(Callback)
        .join(Order, Order.id == Callback.order_id)
        .where(
            Order.estate_id == estate_id,
            Order.created_at >= min(trend_start, start),
            Order.created_at < end,
            Callback.satisfied.is_not(None),
        )
        .group_by(local_month, of_period)
    )
    if _postgres(uow):
        await uow.session.execute(text("SET LOCAL enable_hashjoin TO DEFAULT"))
    found: dict[str, tuple[int, int]] = {}
    for month_label, in_period, answered, satisfied in rows:
        if in_period:
            report.answered += int(answered)
            report.satisfied += int(satisfied)
        before = found.get(str(month_label), (0, 0))
        found[str(month_label)] = (before[0] + int(answered), before[1] + int(satisfied))
    for first in months:
        label = f"{first.year}-{first.month:02d}"
        answered, yes = found.get(label, (0, 0))
        report.trend.append(MonthSatisfaction(label, answered, yes))


async def raw_orders(
    uow: UnitOfWork, estate_code: str, period: Period, *, reveal_phones: bool = False
) -> list[RawOrder]:
    """The orders behind the figures (for the workbook's last sheet), the residents' phone
    numbers masked unless `reveal_phones` (the reader holds one of PHONE_ROLES). One statement
    of plain columns (no order loaded as an object: thousands of them cost seconds), and each
    person's name or phone number decrypted once however many orders they have."""
    estate = await uow.session.scalar(select(Estate).where(Estate.code == estate_code.upper()))
    if estate is None:
        raise NotFound()
    start, end = period.bounds(estate.timezone)
    reporter, worker = aliased(Person), aliased(Person)
    rows = await uow.session.execute(
        select(
            Order.number,
            Order.created_at,
            Order.kind,
            Category.name_hans,
            Category.name_hant,
            Order.status,
            Order.priority,
            Building.name,
            Unit.number,
            Order.place,
            Order.assignee_id,
            worker.name_enc,
            Order.reporter_id,
            reporter.phone_enc,
            Order.fee,
        )
        .outerjoin(Category, Category.id == Order.category_id)
        .outerjoin(Unit, Unit.id == Order.unit_id)
        .outerjoin(Building, Building.id == Unit.building_id)
        .outerjoin(worker, worker.id == Order.assignee_id)
        .outerjoin(reporter, reporter.id == Order.reporter_id)
        .where(Order.estate_id == estate.id, Order.created_at >= start, Order.created_at < end)
        .order_by(Order.id)
    )
    names: dict[int, str | None] = {}
    phones: dict[int, str | None] = {}

    def phone_of(person_id: int, sealed: bytes | None) -> str | None:
        if person_id not in phones:
            phone = uow.cipher.decrypt(sealed) if sealed else None
            phones[person_id] = (phone if reveal_phones else mask_phone(phone)) if phone else None
        return phones[person_id]

    def name_of(person_id: int, sealed: bytes | None) -> str | None:
        if person_id not in names:
            names[person_id] = uow.cipher.decrypt(sealed) if sealed else None
        return names[person_id]

    result = []
    for (
        number, created_at, kind, hans, hant, status, priority, building, unit, spot,
        assignee_id, worker_name, reporter_id, reporter_phone, fee,
    ) in rows:  # fmt: skip
        result.append(
            RawOrder(
                number,
                created_at,
                OrderKind(kind),
                (hans, hant or hans) if hans else None,
                OrderStatus(status),
                str(priority),
                place(building, unit) if unit is not None else None,
                spot,
                name_of(assignee_id, worker_name) if assignee_id is not None else None,
                phone_of(reporter_id, reporter_phone) if reporter_id is not None else None,
                fee,
            )
        )
    return result


async def may_read(uow: UnitOfWork, person_id: int | None, estate_code: str) -> bool:
    """Supervisors, managers and admins of the estate read its report and staff figures."""
    if person_id is None:
        return False
    found = await uow.session.scalar(
        select(StaffRole.id)
        .join(Estate, Estate.id == StaffRole.estate_id)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.active.is_(True),
            Estate.code == estate_code.upper(),
            StaffRole.role.in_([str(r) for r in REPORT_ROLES]),
        )
        .limit(1)
    )
    return found is not None


async def may_see_phones(uow: UnitOfWork, person_id: int | None, estate_code: str) -> bool:
    """Managers and admins of the estate read the residents' full numbers in an export."""
    if person_id is None:
        return False
    found = await uow.session.scalar(
        select(StaffRole.id)
        .join(Estate, Estate.id == StaffRole.estate_id)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.active.is_(True),
            Estate.code == estate_code.upper(),
            StaffRole.role.in_([str(r) for r in PHONE_ROLES]),
        )
        .limit(1)
    )
    return found is not None


async def estates_readable(uow: UnitOfWork, person_id: int | None) -> list[str]:
    if person_id is None:
        return []
    rows = await uow.session.scalars(
        select(Estate.code)
        .join(StaffRole, StaffRole.estate_id == Estate.id)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.active.is_(True),
            StaffRole.role.in_([str(r) for r in REPORT_ROLES]),
        )
        .distinct()
        .order_by(Estate.code)
    )
    return list(rows)


async def record_export(
    uow: UnitOfWork,
    estate_code: str,
    period: Period,
    what: str,
    *,
    person_id: int | None = None,
    asked_by: str | None = None,
) -> None:
    """Every export is kept: who asked (a person in chat, an operator's login on the command
    line), when, which estate and period, in which form."""
    estate = await uow.session.scalar(select(Estate).where(Estate.code == estate_code.upper()))
    if estate is None:
        raise NotFound()
    if person_id is not None and not await may_read(uow, person_id, estate_code):
        raise PermissionDenied()
    uow.add(
        ReportExport(
            estate_id=estate.id,
            person_id=person_id,
            asked_by=asked_by,
            period=period.label,
            what=what,
            at=uow.clock.now(),
        )
    )
    await uow.flush()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
