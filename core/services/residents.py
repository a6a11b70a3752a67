"""Residents' homes: the units a person is bound to, and binding requests the desk decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.enums import BindingStatus, Relation, Role
from core.errors import NotFound, PermissionDenied
from core.i18n import place
from core.models import Building, ChatIdentity, Estate, Unit, UnitBinding
from core.news import BindingDecided, BindingRequested
from core.services import people
from core.uow import UnitOfWork

# Who may decide a binding request: the desk of the unit's own estate.
DECIDING_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER})


@dataclass(frozen=True)
class Home:
    unit_id: int
    label: str  # building and unit, e.g. "1栋 1-101"
    relation: Relation
    estate_id: int
    estate_name: str
    estate_code: str
    timezone: str
    region: str


async def homes_of(uow: UnitOfWork, person_id: int | None) -> list[Home]:
    if person_id is None:
        return []
    rows = await uow.session.execute(
        select(UnitBinding, Unit, Building, Estate)
        .join(Unit, Unit.id == UnitBinding.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Estate, Estate.id == Building.estate_id)
        .where(UnitBinding.person_id == person_id, UnitBinding.status == BindingStatus.VERIFIED)
        .order_by(UnitBinding.id)
    )
    return [
        Home(
            unit_id=unit.id,
            label=place(building.name, unit.number),
            relation=Relation(binding.relation),
            estate_id=estate.id,
            estate_name=estate.name,
            estate_code=estate.code,
            timezone=estate.timezone,
            region=estate.region,
        )
        for binding, unit, building, estate in rows
    ]


def current_home(homes: list[Home], current_unit_id: int | None) -> Home | None:
    """The unit the person chose, else their first; None for someone not yet bound."""
    for home in homes:
        if home.unit_id == current_unit_id:
            return home
    return homes[0] if homes else None


async def request_binding(uow: UnitOfWork, person_id: int, unit_id: int, relation: Relation) -> int:
    """A binding the desk must approve; asking again for the same unit keeps one request."""
    if await uow.session.get(Unit, unit_id) is None:
        raise NotFound()
    binding = await uow.session.scalar(
        select(UnitBinding).where(
            UnitBinding.person_id == person_id, UnitBinding.unit_id == unit_id
        )
    )
    if binding is None:
        binding = UnitBinding(
            person_id=person_id,
            unit_id=unit_id,
            relation=relation,
            status=BindingStatus.PENDING,
            created_at=uow.clock.now(),
        )
        uow.add(binding)
    elif binding.status != BindingStatus.VERIFIED:
        binding.status = BindingStatus.PENDING
        binding.relation = relation
    await uow.flush()
    return binding.id


@dataclass(frozen=True)
class BindingView:
    id: int
    person_id: int
    unit_id: int
    estate_id: int
    estate_name: str
    label: str  # building and unit
    relation: Relation
    status: BindingStatus
    created_at: datetime


async def get_binding(uow: UnitOfWork, binding_id: int) -> BindingView:
    row = (
        await uow.session.execute(
            select(UnitBinding, Unit, Building, Estate)
            .join(Unit, Unit.id == UnitBinding.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .join(Estate, Estate.id == Building.estate_id)
            .where(UnitBinding.id == binding_id)
        )
    ).first()
    if row is None:
        raise NotFound()
    binding, unit, building, estate = row
    return BindingView(
        id=binding.id,
        person_id=binding.person_id,
        unit_id=unit.id,
        estate_id=estate.id,
        estate_name=estate.name,
        label=place(building.name, unit.number),
        relation=Relation(binding.relation),
        status=BindingStatus(binding.status),
        created_at=binding.created_at,
    )


@dataclass(frozen=True)
class BindingOutcome:
    person_id: int
    binding: BindingView
    bound_now: bool  # the office already knew this phone for this unit: no desk needed


async def bind_by_phone(
    uow: UnitOfWork,
    identity_id: int,
    person_id: int | None,
    name: str | None,
    phone: str,
    unit_id: int,
    relation: Relation,
) -> BindingOutcome:
    """Binds a chat account that proved its phone (Telegram's own contact) to a unit.

    A phone the office imported for this very unit binds at once, to the imported person. Anything
    else becomes a pending request that the estate's desk decides. The caller must have checked
    that the contact is the person's own; a phone alone never grants anything else.
    """
    known = await people.find_by_phone(uow, phone)
    if person_id is None:
        person_id = known if known is not None else await people.create_person(uow, name, phone)
        await _link(uow, identity_id, person_id)
    elif known is None and await people.phone_of(uow, person_id) is None:
        await people.set_contact(uow, person_id, None, phone)
    elif known is not None and known != person_id and not await _has_any_binding(uow, person_id):
        # A chat account that only ever filed requests, now proven to be the imported person.
        await _link(uow, identity_id, known)
        person_id = known
    existing = await uow.session.scalar(
        select(UnitBinding).where(
            UnitBinding.person_id == person_id, UnitBinding.unit_id == unit_id
        )
    )
    if existing is not None and existing.status == BindingStatus.VERIFIED:
        await _set_current_if_none(uow, person_id, unit_id)
        return BindingOutcome(person_id, await get_binding(uow, existing.id), bound_now=True)
    binding_id = await request_binding(uow, person_id, unit_id, relation)
    uow.announce(BindingRequested(binding_id, name or "", phone, typed=False))
    return BindingOutcome(person_id, await get_binding(uow, binding_id), bound_now=False)


async def request_with_typed_phone(
    uow: UnitOfWork,
    identity_id: int,
    person_id: int | None,
    name: str | None,
    phone: str,
    unit_id: int,
    relation: Relation,
) -> BindingOutcome:
    """A binding request from someone who typed a phone number instead of sharing their
    Telegram contact. A typed number proves nothing, so it never binds at once and never links
    the chat to the person the office imported with that number: it is only the number the
    desk calls back to check, kept as this person's contact if they have none yet."""
    if person_id is None:
        person_id = await people.create_person(uow, name, phone)
        await _link(uow, identity_id, person_id)
    elif await people.phone_of(uow, person_id) is None:
        await people.set_contact(uow, person_id, None, phone)
    binding_id = await request_binding(uow, person_id, unit_id, relation)
    uow.announce(BindingRequested(binding_id, name or "", phone, typed=True))
    return BindingOutcome(person_id, await get_binding(uow, binding_id), bound_now=False)


async def _link(uow: UnitOfWork, identity_id: int, person_id: int) -> None:
    row = await uow.session.get_one(ChatIdentity, identity_id)
    row.person_id = person_id


async def _has_any_binding(uow: UnitOfWork, person_id: int) -> bool:
    found = await uow.session.scalar(
        select(UnitBinding.id)
        .where(UnitBinding.person_id == person_id, UnitBinding.status == BindingStatus.VERIFIED)
        .limit(1)
    )
    return found is not None or bool(await people.staff_posts(uow, person_id))


async def _set_current_if_none(uow: UnitOfWork, person_id: int, unit_id: int) -> None:
    await uow.session.execute(
        update(ChatIdentity)
        .where(ChatIdentity.person_id == person_id, ChatIdentity.current_unit_id.is_(None))
        .values(current_unit_id=unit_id)
        .execution_options(synchronize_session=False)
    )


async def may_decide(uow: UnitOfWork, decider_id: int | None, estate_id: int) -> bool:
    if decider_id is None:
        return False
    posts = await people.staff_posts(uow, decider_id)
    return any(p.estate_id == estate_id and p.role in DECIDING_ROLES for p in posts)


async def decide_binding(
    uow: UnitOfWork, binding_id: int, approve: bool, decider_id: int | None
) -> tuple[BindingView, bool]:
    """Approves or rejects a pending request; (the binding, whether this call decided it).

    Authority is checked here on every call: only the desk of the unit's estate decides. A request
    already decided (another dispatcher was quicker) is returned unchanged.
    """
    view = await get_binding(uow, binding_id)
    if not await may_decide(uow, decider_id, view.estate_id):
        raise PermissionDenied()
    if view.status != BindingStatus.PENDING:
        return view, False
    row = await uow.session.get_one(UnitBinding, binding_id)
    row.status = BindingStatus.VERIFIED if approve else BindingStatus.REJECTED
    row.decided_at = uow.clock.now()
    row.decided_by = decider_id
    if approve:
        await _set_current_if_none(uow, view.person_id, view.unit_id)
    await uow.flush()
    uow.announce(BindingDecided(binding_id, approve))
    return await get_binding(uow, binding_id), True


async def pending_of(uow: UnitOfWork, person_id: int | None) -> list[BindingView]:
    if person_id is None:
        return []
    ids = await uow.session.scalars(
        select(UnitBinding.id).where(
            UnitBinding.person_id == person_id, UnitBinding.status == BindingStatus.PENDING
        )
    )
    return [await get_binding(uow, binding_id) for binding_id in ids]
