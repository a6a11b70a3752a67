"""Special events (seed 002 篇4 3(2)): an order a supervisor or manager marks as one is called
back by the estate's manager within a time (20 days by default), who then attaches a short
written report to the order. Overdue callbacks show in the managers' queue and the time-limit
sweep reminds the managers once a day until the report is written.

The time is the estate setting `special_event_callback_days`, read in one place
(`callback_days`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from core.enums import OrderStatus, Role
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.i18n import N_
from core.lifecycle import Action, Actor
from core.models import Estate, SpecialEvent
from core.news import SpecialEventMarked, SpecialEventOverdue, SpecialEventReported
from core.services import orders
from core.services.dispatch import estate_actor
from core.services.orders import OrderView
from core.uow import UnitOfWork, each_in_its_own_unit

DEFAULT_CALLBACK_DAYS = 20  # seed 002 篇4 3(2)①: 在20天内项目经理要专门安排上门回访
MARKING_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})
REPORTING_ROLES = frozenset({Role.MANAGER})
MAX_REPORT = 2000
REMIND_EVERY = timedelta(days=1)
NOT_MARKABLE = frozenset({OrderStatus.REFUSED, OrderStatus.CANCELLED})


class AlreadySpecial(DomainError):
    message_id = N_("Order {number} is already a special event.")


class AlreadyReported(DomainError):
    message_id = N_("The special-event report on order {number} is already written.")


def callback_days(estate_settings: dict[str, Any] | None) -> int:
    """Days the manager has for the callback of a special event (the estate's setting)."""
    value = (estate_settings or {}).get("special_event_callback_days", DEFAULT_CALLBACK_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput() from error
    if days < 1:
        raise InvalidInput()
    return days


@dataclass(frozen=True)
class SpecialEventView:
    order_id: int
    estate_id: int
    marked_by: int | None
    marked_at: datetime
    due_at: datetime
    report: str | None
    reported_by: int | None
    reported_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.reported_at is None and self.due_at <= now


def _view(row: SpecialEvent) -> SpecialEventView:
    return SpecialEventView(
        order_id=row.order_id,
        estate_id=row.estate_id,
        marked_by=row.marked_by,
        marked_at=row.marked_at,
        due_at=row.due_at,
        report=row.report,
        reported_by=row.reported_by,
        reported_at=row.reported_at,
    )


async def _row(uow: UnitOfWork, order_id: int) -> SpecialEvent | None:
    return await uow.session.scalar(select(SpecialEvent).where(SpecialEvent.order_id == order_id))


async def of_order(uow: UnitOfWork, order_id: int) -> SpecialEventView | None:
    row = await _row(uow, order_id)
    return None if row is None else _view(row)


async def _order_for(
    uow: UnitOfWork, order_id: int, person_id: int | None, roles: frozenset[Role]
) -> tuple[OrderView, Actor]:
    """The order, if this person holds one of `roles` in its estate now."""
    try:
        order = await orders.get(uow, order_id)
    except NotFound:
        raise PermissionDenied() from None  # a forged id learns nothing
    actor = await estate_actor(uow, person_id, order.estate_id)
    if person_id is None or not actor.roles & roles:
        raise PermissionDenied()
    return order, actor


async def may_mark(uow: UnitOfWork, order: OrderView, person_id: int | None) -> bool:
    """Whether the Mark button belongs on this reader's card of the order."""
    if order.status in NOT_MARKABLE or person_id is None:
        return False
    actor = await estate_actor(uow, person_id, order.estate_id)
    return bool(actor.roles & MARKING_ROLES) and await _row(uow, order.id) is None


async def mark(uow: UnitOfWork, order_id: int, person_id: int | None) -> SpecialEventView:
    """A supervisor or manager of the order's estate marks it as a special event: the manager's
    callback is due within the estate's days."""
    order, actor = await _order_for(uow, order_id, person_id, MARKING_ROLES)
    if await _row(uow, order_id) is not None:
        raise AlreadySpecial(number=order.number)
    estate = await uow.session.get_one(Estate, order.estate_id)
    now = uow.clock.now()
    days = callback_days(estate.settings)
    row = SpecialEvent(
        order_id=order_id,
        estate_id=order.estate_id,
        marked_by=person_id,
        marked_at=now,
        due_at=now + timedelta(days=days),
    )
    uow.add(row)
    await orders.act(uow, order_id, Action.SPECIAL_EVENT, actor, f"callback within {days} days")
    await uow.flush()
    uow.announce(SpecialEventMarked(order_id))
    return _view(row)


async def require_reporter(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The order, if this person is a manager of its estate and its report is still to write."""
    order, _ = await _order_for(uow, order_id, person_id, REPORTING_ROLES)
    row = await _row(uow, order_id)
    if row is None:
        raise PermissionDenied()
    if row.reported_at is not None:
        raise AlreadyReported(number=order.number)
    return order


async def report(
    uow: UnitOfWork, order_id: int, person_id: int | None, text: str
) -> SpecialEventView:
    """The manager called back and writes the report; it is kept on the order (its timeline
    carries it) and the supervisors read it."""
    order = await require_reporter(uow, order_id, person_id)
    text = text.strip()
    if not text:
        raise InvalidInput()
    row = await _row(uow, order_id)
    assert row is not None
    actor = await estate_actor(uow, person_id, order.estate_id)
    row.report = text[:MAX_REPORT]
    row.reported_by = person_id
    row.reported_at = uow.clock.now()
    await orders.act(uow, order_id, Action.SPECIAL_REPORT, actor, row.report)
    await uow.flush()
    uow.announce(SpecialEventReported(order_id))
    return _view(row)


# --- the time-limit sweep ------------------------------------------------------------------------


def _due_reminder(now: datetime) -> Any:
    return (
        SpecialEvent.reported_at.is_(None),
        SpecialEvent.due_at <= now,
        or_(SpecialEvent.reminded_at.is_(None), SpecialEvent.reminded_at <= now - REMIND_EVERY),
    )


async def overdue(uow: UnitOfWork, limit: int = 200) -> list[int]:
    """Orders whose special-event callback is overdue and whose managers are due a reminder."""
    rows = await uow.session.scalars(
        select(SpecialEvent.order_id)
        .where(*_due_reminder(uow.clock.now()))
        .order_by(SpecialEvent.due_at, SpecialEvent.id)
        .limit(limit)
    )
    return list(rows)


async def remind(uow: UnitOfWork, order_id: int) -> str | None:
    """Reminds the managers of one overdue special event (at most once a day)."""
    query = (
        select(SpecialEvent)
        .where(SpecialEvent.order_id == order_id, *_due_reminder(uow.clock.now()))
        .execution_options(populate_existing=True)
    )
    if uow.session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = await uow.session.scalar(query)
    if row is None:
        return None
    row.reminded_at = uow.clock.now()
    await orders.act(uow, order_id, Action.SPECIAL_REMIND, Actor.system(), "callback overdue")
    await uow.flush()
    uow.announce(SpecialEventOverdue(order_id))
    return "special_event_reminded"


async def sweep(
    uow_factory: Any, before_commit: Callable[[UnitOfWork], Awaitable[None]]
) -> dict[str, int]:
    return await each_in_its_own_unit(uow_factory, overdue, remind, before_commit)


async def open_in(uow: UnitOfWork, order_ids: list[int]) -> dict[int, SpecialEventView]:
    """The special events of these orders, by order id (one statement)."""
    if not order_ids:
        return {}
    rows = await uow.session.scalars(
        select(SpecialEvent).where(SpecialEvent.order_id.in_(order_ids))
    )
    return {row.order_id: _view(row) for row in rows}
