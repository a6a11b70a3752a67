"""Who could do a job: the workers of the order's trade on duty now (by their switch or their
roster), with their open jobs, skills and buildings, for the desk to choose from and for the
rules to pick by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.enums import OrderKind, OrderStatus, Role, TeamKind
from core.errors import NotFound
from core.lifecycle import doer_roles
from core.models import Building, Category, DutyShift, Estate, Order, Person, StaffRole, Team, Unit
from core.uow import UnitOfWork

# The team whose trade each kind of order is (the others go to the desk's own people).
TEAM_FOR_KIND = {
    OrderKind.IN_HOME_REPAIR: TeamKind.ENGINEERING,
    OrderKind.PUBLIC_REPAIR: TeamKind.ENGINEERING,
    OrderKind.ALARM: TeamKind.ENGINEERING,
    OrderKind.HOUSEKEEPING: TeamKind.HOUSEKEEPING,
}


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
    estate = await uow.session.get_one(Estate, order.estate_id)
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
