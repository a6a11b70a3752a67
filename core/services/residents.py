"""Residents' homes: the units a person is bound to, and binding requests the desk decides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.enums import BindingStatus, Relation
from core.errors import NotFound
from core.models import Building, Estate, Unit, UnitBinding
from core.uow import UnitOfWork


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
            label=f"{building.name} {unit.number}",
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
