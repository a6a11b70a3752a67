"""The service desks of an estate (DESIGN.md: the control centre for repairs, the
customer-service desk for everything else) and the chats that are desks: a Telegram group
registered with `/desk control` or `/desk service`, or a team's group for grab jobs.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from core.enums import OrderKind, Role
from core.errors import NotFound, PermissionDenied
from core.models import DeskChat, Estate, StaffRole, Team
from core.uow import UnitOfWork


class Desk(StrEnum):
    CONTROL = "control"  # 控制中心: repairs
    SERVICE = "service"  # 客服中心: everything else


DESK_FOR_KIND = {
    OrderKind.IN_HOME_REPAIR: Desk.CONTROL,
    OrderKind.PUBLIC_REPAIR: Desk.CONTROL,
}
DESK_ADMIN_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


def desk_for(kind: OrderKind) -> Desk:
    return DESK_FOR_KIND.get(kind, Desk.SERVICE)


def team_desk(team_id: int) -> str:
    return f"team:{team_id}"


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


async def holders_of_team(uow: UnitOfWork, team_id: int) -> list[int]:
    rows = await uow.session.scalars(
        select(StaffRole.person_id)
        .where(StaffRole.team_id == team_id, StaffRole.active.is_(True))
        .distinct()
        .order_by(StaffRole.person_id)
    )
    return list(rows)
