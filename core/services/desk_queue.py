"""What waits for each role's desk: the dispatcher's queue, the supervisor's approvals, the
worker's fees of the day.

Every view is loaded in a fixed number of statements, whatever the number of orders: the
person's posts, one statement for the orders that qualify (their reasons computed in SQL), and
the batch loader of order views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, false, func, or_, select

from core.enums import OPEN_STATUSES, OrderKind, OrderStatus, Role
from core.lifecycle import Action
from core.models import DeskChat, Estate, Order, OrderEvent, SpecialEvent, StaffRole
from core.services import orders, special_events
from core.services.orders import OrderView
from core.services.special_events import SpecialEventView
from core.uow import UnitOfWork

QUEUE_ROLES = frozenset({Role.DISPATCHER, Role.MANAGER, Role.ADMIN})
APPROVAL_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})
MANAGER_ROLES = frozenset({Role.MANAGER})
SHOWN = 10  # lines per section; the rest are counted


class Reason(StrEnum):
    WAITING = "waiting"  # registered, not dispatched
    OVERDUE = "overdue"  # past the time limit of its status
    FEE = "fee"  # a fee at or above the threshold not yet recorded as collected
    TODAY = "today"  # an appointment today (estate's time)
    DISPUTED = "disputed"  # the resident disputed the completion; work resumed
    ESCALATED = "escalated"
    COMPLAINT = "complaint"  # an open complaint
    # A special event: its manager's callback still to make, or its report written lately.
    SPECIAL_EVENT = "special"
    SPECIAL_OVERDUE = "special_overdue"  # a manager's special-event callback past its time


REPORT_SHOWN_FOR = timedelta(days=7)  # a written special-event report stays in the approvals


QUEUE_SECTIONS = (Reason.WAITING, Reason.OVERDUE, Reason.FEE, Reason.TODAY)
APPROVAL_SECTIONS = (
    Reason.FEE,
    Reason.DISPUTED,
    Reason.ESCALATED,
    Reason.COMPLAINT,
    Reason.SPECIAL_EVENT,
)


@dataclass(frozen=True)
class QueueLine:
    order: OrderView
    overdue_by: timedelta | None = None
    special: SpecialEventView | None = None


@dataclass
class Section:
    reason: Reason
    lines: list[QueueLine] = field(default_factory=list)
    total: int = 0


@dataclass
class DeskView:
    sections: list[Section]
    orders: int = 0  # distinct orders over all sections

    def count(self, reason: Reason) -> int:
        return next((s.total for s in self.sections if s.reason is reason), 0)

    @property
    def empty(self) -> bool:
        return all(s.total == 0 for s in self.sections)


async def _estates(
    uow: UnitOfWork, person_id: int | None, roles: frozenset[Role]
) -> list[tuple[int, str]]:
    """The estates (id, time zone) where the person holds one of `roles`."""
    if person_id is None:
        return []
    rows = await uow.session.execute(
        select(Estate.id, Estate.timezone)
        .join(StaffRole, StaffRole.estate_id == Estate.id)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.active.is_(True),
            StaffRole.role.in_([str(r) for r in roles]),
        )
        .distinct()
        .order_by(Estate.id)
    )
    return [(estate_id, timezone) for estate_id, timezone in rows]


def _today(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone).astimezone(ZoneInfo("UTC"))
    return start, start + timedelta(days=1)


OPEN = [str(s) for s in OPEN_STATUSES]
LIVE = [str(s) for s in OrderStatus if s not in (OrderStatus.REFUSED, OrderStatus.CANCELLED)]


def _conditions(
    now: datetime, estates: list[tuple[int, str]], managed: list[int] | None = None
) -> dict[Reason, object]:
    today = or_(
        false(),
        *(
            and_(
                Order.estate_id == estate_id, Order.window_start >= start, Order.window_start < end
            )
            for estate_id, timezone in estates
            for start, end in [_today(now, timezone)]
        ),
    )
    disputed = exists().where(
        OrderEvent.order_id == Order.id, OrderEvent.action == str(Action.DISPUTE)
    )
    is_open = Order.status.in_(OPEN)
    special = exists().where(
        SpecialEvent.order_id == Order.id,
        or_(
            SpecialEvent.reported_at.is_(None),
            SpecialEvent.reported_at >= now - REPORT_SHOWN_FOR,
        ),
    )
    special_overdue = exists().where(
        SpecialEvent.order_id == Order.id,
        SpecialEvent.reported_at.is_(None),
        SpecialEvent.due_at <= now,
    )
    return {
        Reason.WAITING: Order.status == OrderStatus.REGISTERED,
        Reason.OVERDUE: and_(is_open, Order.due_at.is_not(None), Order.due_at < now),
        Reason.FEE: and_(
            Order.status.in_(LIVE),
            Order.fee.is_not(None),
            Order.fee >= Estate.fee_threshold,
            Order.fee_collected_by.is_(None),
        ),
        Reason.TODAY: and_(is_open, today),
        Reason.DISPUTED: and_(
            Order.status.in_([str(s) for s in OPEN_STATUSES - {OrderStatus.COMPLETED}]), disputed
        ),
        Reason.ESCALATED: and_(is_open, Order.escalated.is_(True)),
        Reason.COMPLAINT: and_(is_open, Order.kind == OrderKind.COMPLAINT),
        Reason.SPECIAL_EVENT: special,
        Reason.SPECIAL_OVERDUE: and_(Order.estate_id.in_(managed or []), special_overdue),
    }


async def _view(
    uow: UnitOfWork,
    now: datetime,
    estates: list[tuple[int, str]],
    reasons: tuple[Reason, ...],
    with_orders: bool = True,
    managed: list[int] | None = None,
) -> DeskView:
    sections = [Section(reason) for reason in reasons]
    if not estates:
        return DeskView(sections)
    conditions = _conditions(now, estates, managed)
    # One statement: each qualifying order with a flag per reason, oldest first.
    query = (
        select(Order.id, Order.due_at, *[conditions[r].label(str(r)) for r in reasons])  # type: ignore[attr-defined]
        .join(Estate, Estate.id == Order.estate_id)
        .where(
            Order.estate_id.in_([estate_id for estate_id, _ in estates]),
            or_(*[conditions[r] for r in reasons]),  # type: ignore[arg-type]
        )
        .order_by(Order.window_start.is_(None), Order.window_start, Order.id)
    )
    rows = (await uow.session.execute(query)).all()
    shown: list[int] = []
    chosen: dict[Reason, list[tuple[int, datetime | None]]] = {r: [] for r in reasons}
    for row in rows:
        for index, reason in enumerate(reasons):
            if row[2 + index]:
                chosen[reason].append((row[0], row[1]))
    for section in sections:
        picked = chosen[section.reason]
        if section.reason is Reason.OVERDUE:
            picked.sort(key=lambda item: (item[1], item[0]))  # longest overdue first
        elif section.reason is not Reason.TODAY:
            picked.sort(key=lambda item: item[0])
        section.total = len(picked)
        chosen[section.reason] = picked[:SHOWN]
        shown += [order_id for order_id, _ in chosen[section.reason] if order_id not in shown]
    if not with_orders:
        return DeskView(sections, len(rows))
    views = {view.id: view for view in await orders.views_of(uow, shown)}
    specials = await special_events.open_in(
        uow,
        [
            order_id
            for reason in (Reason.SPECIAL_EVENT, Reason.SPECIAL_OVERDUE)
            for order_id, _ in chosen.get(reason, [])
        ],
    )
    for section in sections:
        for order_id, due_at in chosen[section.reason]:
            overdue_by = now - due_at if section.reason is Reason.OVERDUE and due_at else None
            if section.reason is Reason.SPECIAL_OVERDUE:
                overdue_by = now - specials[order_id].due_at
            section.lines.append(QueueLine(views[order_id], overdue_by, specials.get(order_id)))
    return DeskView(sections, len(rows))


async def queue(uow: UnitOfWork, person_id: int | None, with_orders: bool = True) -> DeskView:
    """The dispatcher's queue over the estates where the person works at the desk: waiting for
    dispatch, overdue, fees waiting for a supervisor, today's appointments; for a manager,
    overdue special-event callbacks too."""
    now = uow.clock.now()
    estates = await _estates(uow, person_id, QUEUE_ROLES)
    managed = [estate_id for estate_id, _ in await _estates(uow, person_id, MANAGER_ROLES)]
    if not managed:
        return await _view(uow, now, estates, QUEUE_SECTIONS, with_orders)
    # A manager's queue also shows the special-event callbacks past their time.
    sections = (*QUEUE_SECTIONS, Reason.SPECIAL_OVERDUE)
    return await _view(uow, now, estates, sections, with_orders, managed)


async def approvals(uow: UnitOfWork, person_id: int | None, with_orders: bool = True) -> DeskView:
    """What waits for a supervisor (or manager) of the estate: fees at or above the threshold,
    disputed completions, escalations, open complaints, special events (waiting for the
    manager's callback, or with a report written in the last week)."""
    now = uow.clock.now()
    estates = await _estates(uow, person_id, APPROVAL_ROLES)
    return await _view(uow, now, estates, APPROVAL_SECTIONS, with_orders)


async def desk_of_chat(uow: UnitOfWork, chat_id: int) -> list[tuple[int, str]]:
    rows = await uow.session.execute(
        select(Estate.id, Estate.timezone)
        .join(DeskChat, DeskChat.estate_id == Estate.id)
        .where(DeskChat.chat_id == chat_id, DeskChat.desk.in_(["control", "service"]))
        .distinct()
        .order_by(Estate.id)
    )
    return [(estate_id, timezone) for estate_id, timezone in rows]


async def chat_queue(uow: UnitOfWork, chat_id: int, person_id: int | None) -> DeskView:
    """The queue of a desk group, for a member who works at that estate's desk."""
    desk_estates = {e for e, _ in await _estates(uow, person_id, QUEUE_ROLES | {Role.SUPERVISOR})}
    estates = [(e, tz) for e, tz in await desk_of_chat(uow, chat_id) if e in desk_estates]
    return await _view(uow, uow.clock.now(), estates, QUEUE_SECTIONS)


@dataclass(frozen=True)
class FeesOfDay:
    total: Decimal
    orders: int


async def fees_collected_today(uow: UnitOfWork, person_id: int | None) -> FeesOfDay:
    """The fees this person recorded as collected today (each order's estate's day): what they
    hand in at the end of the day (seed 002 篇3 3.5). One statement."""
    if person_id is None:
        return FeesOfDay(Decimal(0), 0)
    now = uow.clock.now()
    estates = await uow.session.execute(
        select(Estate.id, Estate.timezone)
        .join(Order, Order.estate_id == Estate.id)
        .where(
            Order.fee_collected_by == person_id, Order.fee_collected_at >= now - timedelta(days=1)
        )
        .distinct()
    )
    today = or_(
        false(),
        *(
            and_(
                Order.estate_id == estate_id,
                Order.fee_collected_at >= start,
                Order.fee_collected_at < end,
            )
            for estate_id, timezone in estates
            for start, end in [_today(now, timezone)]
        ),
    )
    total, count = (
        await uow.session.execute(
            select(func.coalesce(func.sum(Order.fee), 0), func.count(Order.id)).where(
                Order.fee_collected_by == person_id, today
            )
        )
    ).one()
    return FeesOfDay(Decimal(str(total)).quantize(Decimal("0.01")), int(count))
