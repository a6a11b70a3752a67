"""Dispatch: the acts that give an order to a worker or a team's group, and `route`, the one place
where an order finds its next holder (core/services/desks.py says which desk, candidates.py who).

Three modes per estate and kind (estate setting `dispatch_modes`, default assign): the desk picks
a worker (assign), the rules pick one (auto), or the team's group grabs it (grab). Every act is a
transition through `orders.act`, checked against the person's roles in the order's estate.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from core.enums import OPEN_STATUSES, OrderKind, OrderStatus, Role, TeamKind
from core.errors import DomainError, NotFound, PermissionDenied
from core.i18n import N_
from core.lifecycle import DESK_ROLES, Action, Actor, doer_roles
from core.models import (
    Estate,
    Order,
    StaffRole,
    Team,
)
from core.news import DeskReason, NeedsDispatch
from core.services import orders
from core.services.candidates import TEAM_FOR_KIND, auto_pick, candidates
from core.services.orders import OrderView
from core.uow import UnitOfWork


class DispatchMode(StrEnum):
    ASSIGN = "assign"
    AUTO = "auto"
    GRAB = "grab"


# The note on a job's DISPATCH to its team's group, and on the ACCEPT of the worker who took it.
GRABBED = "grab"


class WorkerUnavailable(DomainError):
    message_id = N_("That worker cannot take this job now (off duty or not in this estate).")


class AlreadyTaken(DomainError):
    message_id = N_("Someone else has already taken this job.")


async def estate_actor(uow: UnitOfWork, person_id: int | None, estate_id: int) -> Actor:
    """The person with the roles they hold in this estate only: a dispatcher of one estate is a
    stranger to the orders of another."""
    if person_id is None:
        return Actor.system()
    rows = await uow.session.scalars(
        select(StaffRole.role).where(
            StaffRole.person_id == person_id,
            StaffRole.estate_id == estate_id,
            StaffRole.active.is_(True),
        )
    )
    return Actor(person_id, frozenset(Role(r) for r in rows))


async def _estate(uow: UnitOfWork, estate_id: int) -> Estate:
    return await uow.session.get_one(Estate, estate_id)


async def mode_for(uow: UnitOfWork, estate_id: int, kind: OrderKind) -> DispatchMode:
    settings = (await _estate(uow, estate_id)).settings or {}
    modes = settings.get("dispatch_modes") or {}
    return DispatchMode(modes.get(kind) or settings.get("dispatch_mode") or DispatchMode.ASSIGN)


async def set_mode(
    uow: UnitOfWork, estate_id: int, mode: DispatchMode, kind: OrderKind | None = None
) -> None:
    estate = await _estate(uow, estate_id)
    settings = dict(estate.settings or {})
    if kind is None:
        settings["dispatch_mode"] = DispatchMode(mode).value
    else:
        modes = dict(settings.get("dispatch_modes") or {})
        modes[kind] = DispatchMode(mode).value
        settings["dispatch_modes"] = modes
    estate.settings = settings  # a new dict, so the JSON column is seen as changed
    await uow.flush()


async def _order(uow: UnitOfWork, order_id: int) -> Order:
    # populate_existing: a row this unit of work already holds is read afresh under the lock.
    query = select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    if uow.session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    order = await uow.session.scalar(query)
    if order is None:
        raise NotFound()
    return order


async def dispatch(
    uow: UnitOfWork, order_id: int, worker_id: int, by: int | None, note: str | None = None
) -> OrderView:
    """The desk (or the system, `by` None) gives the order to a worker who is on duty."""
    order = await _order(uow, order_id)
    actor = await estate_actor(uow, by, order.estate_id)
    offered = {c.person_id: c for c in await candidates(uow, order_id)}
    worker = offered.get(worker_id)
    if worker is None or not worker.on_duty:
        raise WorkerUnavailable()
    view = await orders.act(uow, order_id, Action.DISPATCH, actor, note, assignee_id=worker_id)
    order.team_id = worker.team_id
    await uow.flush()
    return view


async def post_for_grab(uow: UnitOfWork, order_id: int, by: int | None) -> tuple[OrderView, int]:
    """Dispatched to the team, nobody yet: the first worker to tap Accept gets it."""
    order = await _order(uow, order_id)
    actor = await estate_actor(uow, by, order.estate_id)
    team_kind = TEAM_FOR_KIND.get(OrderKind(order.kind), TeamKind.ENGINEERING)
    team = await uow.session.scalar(
        select(Team).where(Team.estate_id == order.estate_id, Team.kind == team_kind).limit(1)
    )
    if team is None:
        raise NotFound()
    view = await orders.act(uow, order_id, Action.DISPATCH, actor, GRABBED, assignee_id=None)
    order.team_id = team.id
    await uow.flush()
    return view, team.id


async def grab(uow: UnitOfWork, order_id: int, worker_id: int | None) -> OrderView:
    """First tap wins: the row is locked on PostgreSQL, and a taken job refuses the next tap.

    Someone the job was never offered to (not a worker of its team, or no longer one) hears
    the same as for an order that does not exist: a forged tap learns nothing."""
    order = await _order(uow, order_id)
    offered = {c.person_id: c for c in await candidates(uow, order_id)}
    worker = offered.get(worker_id) if worker_id is not None else None
    if worker is None or (order.team_id is not None and worker.team_id != order.team_id):
        raise NotFound()
    if order.status == OrderStatus.REGISTERED:  # never posted: nothing was offered to grab
        raise NotFound()
    if order.status != OrderStatus.DISPATCHED or order.assignee_id is not None:
        raise AlreadyTaken()
    if not worker.on_duty:
        raise WorkerUnavailable()
    order.assignee_id = worker_id
    await uow.flush()
    actor = await estate_actor(uow, worker_id, order.estate_id)
    return await orders.act(uow, order_id, Action.ACCEPT, actor, GRABBED)


async def dispatch_automatically(
    uow: UnitOfWork, order_id: int, by: int | None, exclude: set[int] | None = None
) -> OrderView | None:
    """The rules pick a worker on duty; None when nobody fits (the desk then decides)."""
    worker = await auto_pick(uow, order_id, exclude)
    if worker is None:
        return None
    return await dispatch(uow, order_id, worker, by, "auto")


class Routed(StrEnum):
    DISPATCHED = "dispatched"  # the rules gave it to a worker
    POSTED = "posted"  # the team's group may grab it
    DESK = "desk"  # the desk decides


async def route(
    uow: UnitOfWork,
    order_id: int,
    reason: DeskReason,
    note: str | None = None,
    exclude: set[int] | None = None,
) -> Routed:
    """Sends an order on its way by the estate's mode for its kind: the rules pick a worker
    (`exclude`: who must not get it again), the team's group may grab it, or the desk
    dispatches it, told `reason`. The one place where an order finds its next holder."""
    order = await orders.get(uow, order_id)
    mode = await mode_for(uow, order.estate_id, order.kind)
    if mode is DispatchMode.AUTO and await dispatch_automatically(uow, order_id, None, exclude):
        return Routed.DISPATCHED
    if mode is DispatchMode.GRAB:
        await post_for_grab(uow, order_id, None)
        return Routed.POSTED
    uow.announce(NeedsDispatch(order_id, reason, note))
    return Routed.DESK


HELD = (OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE, OrderStatus.ON_SITE)


async def return_unheld_jobs(
    uow: UnitOfWork, person_id: int, estate_id: int, by: int | None, note: str
) -> list[OrderView]:
    """The open jobs of this estate (dispatched, accepted, on the way, on site) that the person
    holds without, now, a role doing that kind of work go back to the desk: registered and
    unassigned, each with an event by `by` (or the system when None). Returns those orders, so
    that the caller can tell the desk."""
    holder = await estate_actor(uow, person_id, estate_id)
    actor = await estate_actor(uow, by, estate_id)
    found = await uow.session.scalars(
        select(Order.id)
        .where(
            Order.assignee_id == person_id,
            Order.estate_id == estate_id,
            Order.status.in_([str(s) for s in HELD]),
        )
        .order_by(Order.id)
    )
    returned = []
    for order_id in list(found):
        order = await _order(uow, order_id)  # locked, and read afresh under the lock
        held = order.assignee_id == person_id and order.status in HELD
        if not held or holder.roles & doer_roles(order.kind):
            continue
        returned.append(await orders.act(uow, order_id, Action.RETURN_TO_DESK, actor, note))
        uow.announce(NeedsDispatch(order_id, DeskReason.WORKER_REMOVED))
    return returned


async def refuse(uow: UnitOfWork, order_id: int, by: int | None, reason: str) -> OrderView:
    order = await _order(uow, order_id)
    actor = await estate_actor(uow, by, order.estate_id)
    return await orders.act(uow, order_id, Action.REFUSE, actor, reason)


async def require_desk(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The order, if this person works at its estate's desk; otherwise "not allowed"."""
    view = await orders.get(uow, order_id)
    actor = await estate_actor(uow, person_id, view.estate_id)
    if not actor.roles & DESK_ROLES:
        raise PermissionDenied()
    return view


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
