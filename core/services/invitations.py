"""One-time invitation codes, carried as the `/start` payload of a Telegram deep link.

A unit invitation binds whoever redeems it to the unit (verified: the office handed the code to the
household). A staff invitation names its staff member; the chat layer links the redeeming account
to that person. Codes are 12 URL-safe characters (72 random bits) and are used at most once.
The functions never commit: the caller does, together with whatever it links.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import CursorResult, or_, select, update

from core.enums import Relation
from core.errors import InvalidInput, InvitationInvalid, NotFound
from core.i18n import place
from core.models import Building, Estate, Invitation, Unit
from core.services.directory import verify_binding
from core.uow import UnitOfWork

CODE_BYTES = 9  # → 12 characters of A-Z a-z 0-9 _ -, well within the 64 of a /start payload


@dataclass(frozen=True)
class InvitationView:
    code: str
    unit_id: int
    unit_label: str  # "1栋 101"
    relation: Relation
    expires_at: datetime
    estate_code: str
    building: str
    unit_number: str


@dataclass(frozen=True)
class Redemption:
    kind: Literal["unit", "staff"]
    estate_id: int
    unit_id: int | None
    relation: Relation | None
    person_id: int  # staff: the staff member the chat account is to be linked to


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def _expiry(uow: UnitOfWork, valid_days: int) -> datetime:
    if valid_days < 1:
        raise InvalidInput("an invitation must be valid for at least one day")
    return uow.clock.now() + timedelta(days=valid_days)


async def create_unit_invitations(
    uow: UnitOfWork, unit_ids: Sequence[int], relation: Relation | str, valid_days: int = 30
) -> list[InvitationView]:
    """One fresh code per unit, in the order given."""
    try:
        relation = Relation(relation)
    except ValueError:
        raise InvalidInput(
            "relation {relation!r} must be owner or tenant", relation=relation
        ) from None
    expires_at = _expiry(uow, valid_days)
    rows = await uow.session.execute(
        select(Unit.id, Unit.number, Building.name, Estate.id, Estate.code)
        .join(Building, Unit.building_id == Building.id)
        .join(Estate, Building.estate_id == Estate.id)
        .where(Unit.id.in_(set(unit_ids)))
    )
    units = {row[0]: row for row in rows}
    missing = [unit_id for unit_id in unit_ids if unit_id not in units]
    if missing:
        raise NotFound("unknown unit ids {ids}", ids=missing)
    now = uow.clock.now()
    views = []
    for unit_id in unit_ids:
        _, number, building, estate_id, estate_code = units[unit_id]
        code = new_code()
        uow.add(
            Invitation(
                code=code,
                estate_id=estate_id,
                unit_id=unit_id,
                relation=relation,
                created_at=now,
                expires_at=expires_at,
            )
        )
        views.append(
            InvitationView(
                code,
                unit_id,
                place(building, number),
                relation,
                expires_at,
                estate_code,
                building,
                number,
            )
        )
    await uow.flush()
    return views


async def create_staff_invitation(
    uow: UnitOfWork, person_id: int, estate_id: int, valid_days: int = 7
) -> str:
    """A code that links a Telegram account to this staff member; earlier unused codes lapse."""
    expires_at = _expiry(uow, valid_days)
    now = uow.clock.now()
    await uow.session.execute(
        update(Invitation)
        .where(
            Invitation.person_id == person_id,
            Invitation.estate_id == estate_id,
            Invitation.unit_id.is_(None),
            Invitation.used_at.is_(None),
            or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = new_code()
    uow.add(
        Invitation(
            code=code,
            estate_id=estate_id,
            person_id=person_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await uow.flush()
    return code


async def redeem(uow: UnitOfWork, code: str, person_id: int | None) -> Redemption:
    """Uses the code up, or raises InvitationInvalid (reason: unknown, used or expired).

    The conditional UPDATE is the gate: of two concurrent redemptions only one changes the row.
    `person_id` is who redeems; for a unit invitation it is required and gets a verified binding;
    for a staff invitation it may be None (a chat account not yet linked to anyone).
    """
    code = code.strip()
    now = uow.clock.now()
    invitation = await uow.session.scalar(select(Invitation).where(Invitation.code == code))
    if invitation is None or (invitation.unit_id is None and invitation.person_id is None):
        raise InvitationInvalid(reason="unknown")
    if invitation.unit_id is not None and person_id is None:
        raise ValueError("a unit invitation is redeemed by a person")
    used_by = person_id if person_id is not None else invitation.person_id
    result = await uow.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
        )
        .values(used_at=now, used_by=used_by)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        await uow.session.refresh(invitation)
        raise InvitationInvalid(reason="used" if invitation.used_at is not None else "expired")
    if invitation.unit_id is None:
        assert invitation.person_id is not None  # a staff invitation always names its person
        return Redemption("staff", invitation.estate_id, None, None, invitation.person_id)
    relation = Relation(invitation.relation or Relation.OWNER)
    assert person_id is not None
    await verify_binding(uow, person_id, invitation.unit_id, relation)
    return Redemption("unit", invitation.estate_id, invitation.unit_id, relation, person_id)
