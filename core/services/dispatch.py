"""Routing and dispatch: which desk an order goes to, who may be offered it, and the desk's acts.

Three modes per estate and kind (estate setting `dispatch_modes`, default assign): the desk picks
a worker (assign), the rules pick one (auto), or the team's group grabs it (grab). Every act is a
transition through `orders.act`, checked against the person's roles in the order's estate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.enums import OPEN_STATUSES, OrderKind, OrderStatus, Role, TeamKind
from core.errors import DomainError, NotFound, PermissionDenied
from core.i18n import N_
from core.lifecycle import DESK_ROLES, Action, Actor, doer_roles
from core.models import (
    Building,
    Category,
    DeskChat,
    DutyShift,
    Estate,
    Order,
    Person,
    StaffRole,
    Team,
    Unit,
)
from core.news import DeskReason, NeedsDispatch
from core.services import orders
from core.services.orders import OrderView
from core.uow import UnitOfWork


class Desk(StrEnum):
    CONTROL = "control"  # 控制中心: repairs
    SERVICE = "service"  # 客服中心: everything else


class DispatchMode(StrEnum):
    ASSIGN = "assign"
    AUTO = "auto"
    GRAB = "grab"


DESK_FOR_KIND = {
    OrderKind.IN_HOME_REPAIR: Desk.CONTROL,
    OrderKind.PUBLIC_REPAIR: Desk.CONTROL,
}
TEAM_FOR_KIND = {
    OrderKind.IN_HOME_REPAIR: TeamKind.ENGINEERING,
    OrderKind.PUBLIC_REPAIR: TeamKind.ENGINEERING,
    OrderKind.ALARM: TeamKind.ENGINEERING,
    OrderKind.HOUSEKEEPING: TeamKind.HOUSEKEEPING,
}
DESK_ADMIN_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


# The note on a job's DISPATCH to its team's group, and on the ACCEPT of the worker who took it.
GRABBED = "grab"


class WorkerUnavailable(DomainError):
    message_id = N_("That worker cannot take this job now (off duty or not in this estate).")


class AlreadyTaken(DomainError):
    message_id = N_("Someone else has already taken this job.")


def desk_for(kind: OrderKind) -> Desk:
    return DESK_FOR_KIND.get(kind, Desk.SERVICE)


def team_desk(team_id: int) -> str:
    return f"team:{team_id}"


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


# --- desk chats ----------------------------------------------------------------------------------


async def register_desk_chat(
    uow: UnitOfWork, chat_id: int, desk: str, person_id: int | None, team_name: str | None = None
) -> tuple[str, str]:
    """Registers a group as a desk (control, service) or a team's group (team + its name) of the
    estate where the person works at the desk; returns the estate's name and the desk key."""
    if person_id is None:
        raise PermissionDenied()
    posts = list(
        await uow.session.execute(
            select(StaffRole, Estate)
            .join(Estate, StaffRole.estate_id == Estate.id)
            .where(
                StaffRole.person_id == person_id,
                StaffRole.active.is_(True),
                StaffRole.role.in_([str(r) for r in DESK_ADMIN_ROLES]),
            )
            .order_by(StaffRole.id)
        )
    )
    if not posts:
        raise PermissionDenied()
    _, estate = posts[0]
    if desk == "team":
        team = await uow.session.scalar(
            select(Team).where(Team.estate_id == estate.id, Team.name == (team_name or "").strip())
        )
        if team is None:
            raise NotFound()
        key = team_desk(team.id)
    else:
        key = Desk(desk).value
    existing = await uow.session.scalar(
        select(DeskChat).where(DeskChat.estate_id == estate.id, DeskChat.desk == key)
    )
    if existing is None:
        existing = DeskChat(estate_id=estate.id, desk=key, chat_id=chat_id)
        uow.add(existing)
    existing.chat_id = chat_id
    existing.registered_by = person_id
    existing.registered_at = uow.clock.now()
    await uow.flush()
    return estate.name, key


async def desk_chat(uow: UnitOfWork, estate_id: int, desk: str) -> int | None:
    return await uow.session.scalar(
        select(DeskChat.chat_id).where(DeskChat.estate_id == estate_id, DeskChat.desk == desk)
    )


# --- candidates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str | None
    role: Role
    team_id: int | None
    on_duty: bool
    open_jobs: int
    skills: tuple[str, ...]
    buildings: tuple[str, ...]
    skilled: bool  # has the order's category among their skills (or lists none)
    covers: bool  # covers the order's building (or lists none)


def on_duty_at(post: StaffRole, shifts: list[DutyShift], now: datetime, timezone: str) -> bool:
    """Their own switch, and, when they have a roster, one of its shifts."""
    if not post.on_duty:
        return False
    mine = [s for s in shifts if s.person_id == post.person_id and s.estate_id == post.estate_id]
    if not mine:
        return True
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    return any(
        s.weekday == local.weekday() and s.start_minute <= minute < s.end_minute for s in mine
    )


async def _order_context(uow: UnitOfWork, order: Order) -> tuple[str | None, str | None]:
    """The order's category code and building name, which skills and coverage match."""
    code = None
    if order.category_id is not None:
        category = await uow.session.get(Category, order.category_id)
        code = category.code if category else None
    building = None
    if order.unit_id is not None:
        unit = await uow.session.get_one(Unit, order.unit_id)
        building = (await uow.session.get_one(Building, unit.building_id)).name
    return code, building


async def open_job_counts(uow: UnitOfWork, person_ids: list[int]) -> dict[int, int]:
    working = [
        str(s)
        for s in (
            OrderStatus.DISPATCHED,
            OrderStatus.ACCEPTED,
            OrderStatus.EN_ROUTE,
            OrderStatus.ON_SITE,
        )
    ]
    rows = await uow.session.execute(
        select(Order.assignee_id, func.count())
        .where(Order.assignee_id.in_(person_ids), Order.status.in_(working))
        .group_by(Order.assignee_id)
    )
    return {int(row[0]): int(row[1]) for row in rows.all()}


async def candidates(uow: UnitOfWork, order_id: int) -> list[Candidate]:
    """Everyone who could do this order, on duty first, then the best match, then the least busy."""
    order = await uow.session.get(Order, order_id)
    if order is None:
        raise NotFound()
    estate = await _estate(uow, order.estate_id)
    kind = OrderKind(order.kind)
    roles = doer_roles(kind)
    posts = list(
        await uow.session.scalars(
            select(StaffRole).where(
                StaffRole.estate_id == order.estate_id,
                StaffRole.active.is_(True),
                StaffRole.role.in_([str(r) for r in roles]),
            )
        )
    )
    team_kind = TEAM_FOR_KIND.get(kind)
    if team_kind is not None:
        teams = {
            t.id
            for t in await uow.session.scalars(
                select(Team).where(Team.estate_id == order.estate_id, Team.kind == team_kind)
            )
        }
        in_team = [p for p in posts if p.team_id in teams]
        posts = in_team or posts
    shifts = list(
        await uow.session.scalars(select(DutyShift).where(DutyShift.estate_id == order.estate_id))
    )
    counts = await open_job_counts(uow, [p.person_id for p in posts])
    code, building = await _order_context(uow, order)
    now = uow.clock.now()
    found: dict[int, Candidate] = {}
    for post in posts:
        if post.person_id in found:
            continue
        person = await uow.session.get_one(Person, post.person_id)
        skills = tuple(post.skills or ())
        buildings = tuple(post.buildings or ())
        found[post.person_id] = Candidate(
            person_id=post.person_id,
            name=uow.cipher.decrypt(person.name_enc),
            role=Role(post.role),
            team_id=post.team_id,
            on_duty=on_duty_at(post, shifts, now, estate.timezone),
            open_jobs=counts.get(post.person_id, 0),
            skills=skills,
            buildings=buildings,
            skilled=not skills or (code is not None and code in skills),
            covers=not buildings or (building is not None and building in buildings),
        )
    return sorted(
        found.values(),
        key=lambda c: (not c.on_duty, not (c.skilled and c.covers), c.open_jobs, c.person_id),
    )


async def _last_assigned(uow: UnitOfWork, person_id: int) -> int:
    return (
        await uow.session.scalar(select(func.max(Order.id)).where(Order.assignee_id == person_id))
        or 0
    )


async def auto_pick(uow: UnitOfWork, order_id: int, exclude: set[int] | None = None) -> int | None:
    """The rules: on duty, skilled, covering the building, fewest open jobs, then round-robin
    (the one who was given a job longest ago)."""
    pool = [
        c
        for c in await candidates(uow, order_id)
        if c.on_duty and c.skilled and c.covers and c.person_id not in (exclude or set())
    ]
    if not pool:
        return None
    fewest = min(c.open_jobs for c in pool)
    equals = [c for c in pool if c.open_jobs == fewest]
    ranked = [(await _last_assigned(uow, c.person_id), c.person_id) for c in equals]
    return min(ranked)[1]


# --- the desk's acts -----------------------------------------------------------------------------


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


async def holders_of_team(uow: UnitOfWork, team_id: int) -> list[int]:
    rows = await uow.session.scalars(
        select(StaffRole.person_id)
        .where(StaffRole.team_id == team_id, StaffRole.active.is_(True))
        .distinct()
        .order_by(StaffRole.person_id)
    )
    return list(rows)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
