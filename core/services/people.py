"""People, their staff roles and what each role may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, exists, literal, select, union_all

from core.enums import BindingStatus, Role
from core.models import Person, StaffRole, UnitBinding
from core.services import dispatch
from core.services.orders import OrderView
from core.uow import UnitOfWork


@dataclass(frozen=True)
class StaffPost:
    estate_id: int
    role: Role
    team_id: int | None


async def create_person(uow: UnitOfWork, name: str | None, phone: str | None) -> int:
    person = Person(
        name_enc=uow.cipher.encrypt(name),
        phone_enc=uow.cipher.encrypt(phone),
        phone_hash=uow.cipher.phone_hash(phone) if phone else None,
        created_at=uow.clock.now(),
    )
    uow.add(person)
    await uow.flush()
    return person.id


async def find_by_phone(uow: UnitOfWork, phone: str) -> int | None:
    return await uow.session.scalar(
        select(Person.id).where(Person.phone_hash == uow.cipher.phone_hash(phone)).limit(1)
    )


async def set_contact(uow: UnitOfWork, person_id: int, name: str | None, phone: str | None) -> None:
    person = await uow.session.get_one(Person, person_id)
    if name is not None:
        person.name_enc = uow.cipher.encrypt(name)
    if phone is not None:
        person.phone_enc = uow.cipher.encrypt(phone)
        person.phone_hash = uow.cipher.phone_hash(phone)


async def name_of(uow: UnitOfWork, person_id: int) -> str | None:
    person = await uow.session.get(Person, person_id)
    return None if person is None else uow.cipher.decrypt(person.name_enc)


async def phone_of(uow: UnitOfWork, person_id: int) -> str | None:
    person = await uow.session.get(Person, person_id)
    return None if person is None else uow.cipher.decrypt(person.phone_enc)


async def staff_posts(uow: UnitOfWork, person_id: int) -> list[StaffPost]:
    rows = await uow.session.scalars(
        select(StaffRole).where(StaffRole.person_id == person_id, StaffRole.active.is_(True))
    )
    return [StaffPost(r.estate_id, Role(r.role), r.team_id) for r in rows]


async def grant_role(
    uow: UnitOfWork, person_id: int, estate_id: int, role: Role, team_id: int | None = None
) -> None:
    existing = await uow.session.scalar(
        select(StaffRole).where(
            StaffRole.person_id == person_id,
            StaffRole.estate_id == estate_id,
            StaffRole.role == role,
        )
    )
    if existing is None:
        uow.add(StaffRole(person_id=person_id, estate_id=estate_id, role=role, team_id=team_id))
    else:
        existing.active = True
        existing.team_id = team_id


async def revoke_role(
    uow: UnitOfWork, person_id: int, estate_id: int, role: Role, by: int | None = None
) -> list[OrderView]:
    """Takes the role away: from their next press on they may do nothing it allowed. The open
    jobs of the estate it let them hold go back to the desk, in this unit of work, recorded as
    done by `by` (None: the system, e.g. an operator's command); returns those orders so that the
    caller can tell the desk."""
    existing = await uow.session.scalar(
        select(StaffRole).where(
            StaffRole.person_id == person_id,
            StaffRole.estate_id == estate_id,
            StaffRole.role == role,
        )
    )
    if existing is not None:
        existing.active = False
        await uow.flush()
    return await dispatch.return_unheld_jobs(
        uow, person_id, estate_id, by, f"worker removed: {Role(role)} role taken away"
    )


async def roles_of(uow: UnitOfWork, person_id: int | None) -> frozenset[Role]:
    """Every role a person holds anywhere: staff posts plus resident when a binding is verified.

    One statement (it runs on every update): the active posts' roles, and "resident" if a
    verified binding exists.
    """
    if person_id is None:
        return frozenset()
    posts = select(StaffRole.role).where(
        StaffRole.person_id == person_id, StaffRole.active.is_(True)
    )
    resident = select(literal(Role.RESIDENT.value, String)).where(
        exists().where(
            UnitBinding.person_id == person_id,
            UnitBinding.status == BindingStatus.VERIFIED,
        )
    )
    rows = await uow.session.scalars(union_all(posts, resident))
    return frozenset(Role(role) for role in rows)


async def holders(uow: UnitOfWork, estate_id: int, roles: frozenset[Role] | set[Role]) -> list[int]:
    """People holding any of `roles` in an estate (active posts), in a stable order."""
    rows = await uow.session.scalars(
        select(StaffRole.person_id)
        .where(
            StaffRole.estate_id == estate_id,
            StaffRole.role.in_([str(role) for role in roles]),
            StaffRole.active.is_(True),
        )
        .distinct()
        .order_by(StaffRole.person_id)
    )
    return list(rows)
