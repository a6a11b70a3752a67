"""Incidents: several residents' reports of one public-area fault (a dead lift, a burst main)
handled as one job.

The desk merges a newly registered report into an open primary order of the same estate. The
merged order points at the primary (`Order.incident_id`), leaves the desk queue (the routines skip
merged orders) and from then on follows the primary: every status change of the primary is
mirrored onto it with an event of its own, so its reporter's timeline tells the same story. The
workers see one job only (the primary's); the merged orders never get an assignee, so they do not
count as anyone's open work. Confirmation belongs to the primary's reporter: their confirmation
(or the 48-hour automatic one) closes the incident, and the merged orders follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select

from core.enums import OPEN_STATUSES, OrderKind, OrderStatus
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.lifecycle import Action, Actor, next_status
from core.models import Order, OrderEvent
from core.news import ReportMerged
from core.services.dispatch import estate_actor
from core.services.orders import OrderView, get
from core.uow import UnitOfWork

MAX_CANDIDATES = 3


class CannotMerge(DomainError):
    message_id = N_("These two orders cannot be merged.")


class MergeIntoItself(CannotMerge):
    message_id = N_("An order cannot be merged into itself.")


class OtherEstate(CannotMerge):
    message_id = N_("Only orders of the same estate can be merged.")


class NotPublicArea(CannotMerge):
    message_id = N_("Only public-area repairs can be merged into one incident.")


class AlreadyMerged(CannotMerge):
    message_id = N_("Order {number} has already been merged into order {primary}.")


class NotMergeable(CannotMerge):
    message_id = N_(
        "Order {number} can no longer be merged: only a report not yet dispatched can be merged "
        "into an open order."
    )


@dataclass(frozen=True)
class Merged:
    merged: OrderView
    primary: OrderView


@dataclass(frozen=True)
class Follower:
    """A merged order of an incident and who reported it."""

    order_id: int
    number: str
    reporter_id: int | None


@dataclass(frozen=True)
class MergeCandidate:
    order_id: int
    number: str


async def _order(uow: UnitOfWork, order_id: int) -> Order:
    order = await uow.session.get(Order, order_id)
    if order is None:
        raise NotFound()
    return order


async def _number(uow: UnitOfWork, order_id: int | None) -> str:
    return (await _order(uow, order_id)).number if order_id is not None else "—"


def _event(uow: UnitOfWork, order: Order, actor: Actor, before: str, note: str) -> OrderEvent:
    return OrderEvent(
        order_id=order.id,
        at=uow.clock.now(),
        actor_id=actor.person_id,
        action=str(Action.MERGE),
        from_status=before,
        to_status=order.status,
        note=note,
    )


async def merge_into_incident(
    uow: UnitOfWork, order_id: int, primary_id: int, by: int | None
) -> Merged:
    """The desk (person `by`, checked here against their roles in the estate) joins order
    `order_id` to the incident of order `primary_id`, or a domain error says why not."""
    if order_id == primary_id:
        raise MergeIntoItself()
    order = await _order(uow, order_id)
    primary = await _order(uow, primary_id)
    actor = await estate_actor(uow, by, order.estate_id)
    # Who may merge, and whether both are still open: the MERGE rule of the life cycle.
    next_status(OrderStatus(order.status), Action.MERGE, actor, order.reporter_id, None)
    if primary.estate_id != order.estate_id:
        raise OtherEstate()
    next_status(OrderStatus(primary.status), Action.MERGE, actor, primary.reporter_id, None)
    if OrderKind.PUBLIC_REPAIR not in (order.kind, primary.kind) or order.kind != primary.kind:
        raise NotPublicArea()
    if order.incident_id is not None:
        raise AlreadyMerged(number=order.number, primary=await _number(uow, order.incident_id))
    if primary.incident_id is not None:
        raise AlreadyMerged(number=primary.number, primary=await _number(uow, primary.incident_id))
    if order.status != OrderStatus.REGISTERED or order.assignee_id is not None:
        raise NotMergeable(number=order.number)

    now = uow.clock.now()
    # Reports already joined to the merged order now belong to the new primary as well.
    for follower in await uow.session.scalars(select(Order).where(Order.incident_id == order.id)):
        follower.incident_id = primary.id
        follower.status = primary.status
        follower.updated_at = now
    before = order.status
    order.incident_id = primary.id
    order.status = primary.status
    order.due_at = None  # the primary's time limits now apply
    order.overdue_stage = 0
    order.updated_at = now
    uow.add(_event(uow, order, actor, before, primary.number))
    uow.add(_event(uow, primary, actor, primary.status, order.number))
    await uow.flush()
    uow.announce(ReportMerged(order.id, primary.id))
    return Merged(await get(uow, order.id), await get(uow, primary.id))


async def followers(uow: UnitOfWork, primary_id: int) -> list[Follower]:
    """The merged orders of an incident (withdrawn ones left out), oldest first."""
    rows = await uow.session.execute(
        select(Order.id, Order.number, Order.reporter_id)
        .where(Order.incident_id == primary_id, Order.status != OrderStatus.CANCELLED)
        .order_by(Order.id)
    )
    return [Follower(int(r[0]), r[1], r[2]) for r in rows.all()]


async def reporters(uow: UnitOfWork, primary_id: int) -> list[int]:
    """Everyone who reported the incident's fault: the primary's reporter first, each once."""
    primary = await _order(uow, primary_id)
    found: list[int] = [primary.reporter_id] if primary.reporter_id is not None else []
    for follower in await followers(uow, primary_id):
        if follower.reporter_id is not None and follower.reporter_id not in found:
            found.append(follower.reporter_id)
    return found


async def successor(uow: UnitOfWork, order_id: int) -> OrderView | None:
    """The order that carries the job an order was part of: its primary if it was merged, the
    heir if it was a primary withdrawn by its reporter; None for an order on its own."""
    order = await _order(uow, order_id)
    return None if order.incident_id is None else await get(uow, order.incident_id)


async def merge_candidates(uow: UnitOfWork, order_id: int) -> list[MergeCandidate]:
    """Open public-area orders of the same estate that a new public-area report could be joined
    to: the same category or the same place first, then the oldest."""
    order = await _order(uow, order_id)
    if order.kind != OrderKind.PUBLIC_REPAIR or order.incident_id is not None:
        return []
    alike = case(
        (Order.category_id == order.category_id, 0),
        (Order.place == order.place, 1),
        else_=2,
    )
    rows = await uow.session.execute(
        select(Order.id, Order.number)
        .where(
            Order.estate_id == order.estate_id,
            Order.kind == OrderKind.PUBLIC_REPAIR,
            Order.id != order.id,
            Order.incident_id.is_(None),
            Order.status.in_([str(s) for s in OPEN_STATUSES if s != OrderStatus.COMPLETED]),
        )
        .order_by(alike, Order.id)
        .limit(MAX_CANDIDATES)
    )
    return [MergeCandidate(int(r[0]), r[1]) for r in rows.all()]
