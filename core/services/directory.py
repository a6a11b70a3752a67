"""The estate directory: estates, buildings, units, teams, categories and the staff of an estate.

Used by the admin commands and the importer to set an estate up, and by the chat to look things up.
Every function works inside the caller's unit of work and never commits: the caller does.
Invalid values raise InvalidInput whose message (English, for operators) names the problem.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from core.crypto import mask_phone, normalize_phone
from core.enums import STAFF_ROLES, BindingStatus, OrderKind, Relation, Role, TeamKind
from core.errors import InvalidInput, NotFound
from core.i18n import place
from core.models import Building, Category, Estate, Person, StaffRole, Team, Unit, UnitBinding
from core.services import people
from core.uow import UnitOfWork

REGIONS = ("CN", "HK", "MO", "TW")
LOCALES = ("zh_Hans", "zh_Hant")
REGION_TIMEZONES = {
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "MO": "Asia/Macau",
    "TW": "Asia/Taipei",
}
REGION_LOCALES = {"CN": "zh_Hans", "HK": "zh_Hant", "MO": "zh_Hant", "TW": "zh_Hant"}
REGION_CURRENCIES = {"CN": "CNY", "HK": "HKD", "MO": "MOP", "TW": "TWD"}
CURRENCIES = ("CNY", "HKD", "MOP", "TWD")
# The usual team names of DESIGN.md: a staff member may name one before it exists.
STANDARD_TEAMS = {
    "工程组": TeamKind.ENGINEERING,
    "家政组": TeamKind.HOUSEKEEPING,
    "客服组": TeamKind.CUSTOMER_SERVICE,
    "秩序组": TeamKind.SECURITY,
    "保洁组": TeamKind.CLEANING,
    "工程組": TeamKind.ENGINEERING,
    "家政組": TeamKind.HOUSEKEEPING,
    "客服組": TeamKind.CUSTOMER_SERVICE,
    "秩序組": TeamKind.SECURITY,
    "保潔組": TeamKind.CLEANING,
}

_ESTATE_CODE = re.compile(r"[A-Z]{1,8}")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()\-]+")


# --- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstateView:
    id: int
    code: str
    name: str
    timezone: str
    region: str
    default_locale: str
    fee_threshold: Decimal
    service_phone: str | None
    currency: str = "CNY"


@dataclass(frozen=True)
class BuildingView:
    id: int
    estate_id: int
    name: str


@dataclass(frozen=True)
class UnitView:
    id: int
    building_id: int
    building_name: str
    number: str
    estate_id: int

    @property
    def label(self) -> str:
        return place(self.building_name, self.number)


@dataclass(frozen=True)
class TeamView:
    id: int
    estate_id: int
    kind: TeamKind
    name: str


@dataclass(frozen=True)
class CategoryView:
    id: int
    kind: OrderKind
    code: str
    name_hans: str
    name_hant: str


@dataclass(frozen=True)
class DefaultCategory:
    kind: OrderKind
    code: str
    name_hans: str
    name_hant: str
    sort: int


@dataclass(frozen=True)
class StaffView:
    """One staff role of a person; the phone is masked, since lists get shown and pasted."""

    person_id: int
    name: str | None
    phone_masked: str | None
    role: Role
    team: str | None
    active: bool


@dataclass(frozen=True)
class Enrolment:
    """What ensure_staff or ensure_resident did: lets the importer count created and reused."""

    person_id: int
    person_created: bool
    created: bool  # a new (or reactivated) role, or a new binding


def _estate_view(row: Estate) -> EstateView:
    return EstateView(
        row.id,
        row.code,
        row.name,
        row.timezone,
        row.region,
        row.default_locale,
        Decimal(row.fee_threshold),
        row.service_phone,
        row.currency,
    )


def _unit_view(unit: Unit, building: Building) -> UnitView:
    return UnitView(unit.id, building.id, building.name, unit.number, building.estate_id)


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts 2栋 before 10栋 and 101 before 1001, the way people read them."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


# --- validation ----------------------------------------------------------------------------------


def check_estate_code(code: str) -> str:
    value = code.strip().upper()
    if not _ESTATE_CODE.fullmatch(value):
        raise InvalidInput("estate code {code!r} must be 1 to 8 letters A-Z", code=code)
    return value


def check_currency(currency: str) -> str:
    value = currency.strip().upper()
    if value not in CURRENCIES:
        raise InvalidInput(
            "currency {currency!r} must be one of {choices}",
            currency=currency,
            choices=", ".join(CURRENCIES),
        )
    return value


def check_region(region: str) -> str:
    value = region.strip().upper()
    if value not in REGIONS:
        raise InvalidInput(
            "region {region!r} must be one of {choices}", region=region, choices=", ".join(REGIONS)
        )
    return value


def check_timezone(timezone: str) -> str:
    value = timezone.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("unknown time zone {timezone!r}", timezone=timezone) from None
    return value


def check_locale(locale: str) -> str:
    wanted = locale.strip().replace("-", "_").lower()
    for value in LOCALES:
        if value.lower() == wanted:
            return value
    raise InvalidInput(
        "locale {locale!r} must be one of {choices}", locale=locale, choices=", ".join(LOCALES)
    )


def check_phone(phone: str) -> str:
    """A phone number as given (kept for display), if it looks like one: 8 to 15 digits."""
    value = phone.strip()
    digits = normalize_phone(value)
    if not _PHONE_CHARS.fullmatch(value) or not 8 <= len(digits) <= 15:
        raise InvalidInput("bad phone number {phone!r}", phone=phone)
    return value


def check_staff_role(role: str) -> Role:
    try:
        value = Role(role.strip().lower())
    except ValueError:
        value = None
    if value is None or value not in STAFF_ROLES:
        choices = ", ".join(sorted(STAFF_ROLES))
        raise InvalidInput(
            "unknown staff role {role!r} (one of {choices})", role=role, choices=choices
        )
    return value


def check_relation(relation: str) -> Relation:
    try:
        return Relation(relation.strip().lower())
    except ValueError:
        raise InvalidInput(
            "relation {relation!r} must be owner or tenant", relation=relation
        ) from None


def check_team_kind(kind: str) -> TeamKind:
    try:
        return TeamKind(kind.strip().lower())
    except ValueError:
        choices = ", ".join(TeamKind)
        raise InvalidInput(
            "unknown team kind {kind!r} (one of {choices})", kind=kind, choices=choices
        ) from None


def check_name(name: str, what: str, limit: int) -> str:
    value = name.strip()
    if not value:
        raise InvalidInput("{what} is empty", what=what)
    if len(value) > limit:
        raise InvalidInput(
            "{what} {name!r} is longer than {limit} characters", what=what, name=value, limit=limit
        )
    return value


# --- estates -------------------------------------------------------------------------------------


async def create_estate(
    uow: UnitOfWork,
    code: str,
    name: str,
    *,
    timezone: str | None = None,
    region: str = "CN",
    default_locale: str | None = None,
    service_phone: str | None = None,
    fee_threshold: Decimal | None = None,
    currency: str | None = None,
    with_default_categories: bool = True,
) -> EstateView:
    """A new estate; time zone, locale and currency default to its region's (CN: Asia/Shanghai,
    zh_Hans, CNY); the fee threshold is in its currency."""
    code = check_estate_code(code)
    name = check_name(name, "estate name", 100)
    region = check_region(region)
    timezone = check_timezone(timezone) if timezone else REGION_TIMEZONES[region]
    default_locale = check_locale(default_locale) if default_locale else REGION_LOCALES[region]
    currency = check_currency(currency) if currency else REGION_CURRENCIES[region]
    if service_phone:
        service_phone = check_phone(service_phone)
    if await get_estate(uow, code) is not None:
        raise InvalidInput("estate {code} already exists", code=code)
    row = Estate(
        code=code,
        name=name,
        timezone=timezone,
        region=region,
        default_locale=default_locale,
        service_phone=service_phone or None,
        fee_threshold=Decimal(100) if fee_threshold is None else fee_threshold,
        currency=currency,
        settings={},
    )
    uow.add(row)
    await uow.flush()
    if with_default_categories:
        await add_default_categories(uow, row.id)
    return _estate_view(row)


async def get_estate(uow: UnitOfWork, code: str) -> EstateView | None:
    row = await uow.session.scalar(select(Estate).where(Estate.code == code.strip().upper()))
    return None if row is None else _estate_view(row)


async def require_estate(uow: UnitOfWork, code: str) -> EstateView:
    estate = await get_estate(uow, code)
    if estate is None:
        raise NotFound("unknown estate code {code!r}", code=code)
    return estate


async def get_estate_by_id(uow: UnitOfWork, estate_id: int) -> EstateView:
    row = await uow.session.get(Estate, estate_id)
    if row is None:
        raise NotFound("unknown estate id {estate_id}", estate_id=estate_id)
    return _estate_view(row)


async def list_estates(uow: UnitOfWork) -> list[EstateView]:
    rows = await uow.session.scalars(select(Estate).order_by(Estate.code))
    return [_estate_view(r) for r in rows]


# --- buildings and units -------------------------------------------------------------------------


async def create_building(uow: UnitOfWork, estate_id: int, name: str) -> BuildingView:
    name = check_name(name, "building", 50)
    if await get_building(uow, estate_id, name) is not None:
        raise InvalidInput("building {name} already exists", name=name)
    row = Building(estate_id=estate_id, name=name)
    uow.add(row)
    await uow.flush()
    return BuildingView(row.id, estate_id, row.name)


async def get_building(uow: UnitOfWork, estate_id: int, name: str) -> BuildingView | None:
    row = await uow.session.scalar(
        select(Building).where(Building.estate_id == estate_id, Building.name == name.strip())
    )
    return None if row is None else BuildingView(row.id, row.estate_id, row.name)


async def list_buildings(uow: UnitOfWork, estate_id: int) -> list[BuildingView]:
    rows = await uow.session.scalars(select(Building).where(Building.estate_id == estate_id))
    views = [BuildingView(r.id, r.estate_id, r.name) for r in rows]
    return sorted(views, key=lambda b: natural_key(b.name))


async def create_unit(uow: UnitOfWork, building_id: int, number: str) -> UnitView:
    number = check_name(number, "unit number", 20)
    building = await uow.session.get(Building, building_id)
    if building is None:
        raise NotFound("unknown building id {building_id}", building_id=building_id)
    existing = await uow.session.scalar(
        select(Unit).where(Unit.building_id == building_id, Unit.number == number)
    )
    if existing is not None:
        raise InvalidInput("unit {number} already exists", number=number)
    row = Unit(building_id=building_id, number=number)
    uow.add(row)
    await uow.flush()
    return _unit_view(row, building)


async def get_unit(uow: UnitOfWork, unit_id: int) -> UnitView | None:
    found = (
        await uow.session.execute(
            select(Unit, Building)
            .join(Building, Unit.building_id == Building.id)
            .where(Unit.id == unit_id)
        )
    ).first()
    return None if found is None else _unit_view(found[0], found[1])


async def find_unit(
    uow: UnitOfWork, estate_id: int, building_name: str, number: str
) -> UnitView | None:
    found = (
        await uow.session.execute(
            select(Unit, Building)
            .join(Building, Unit.building_id == Building.id)
            .where(
                Building.estate_id == estate_id,
                Building.name == building_name.strip(),
                Unit.number == number.strip(),
            )
        )
    ).first()
    return None if found is None else _unit_view(found[0], found[1])


async def list_units(uow: UnitOfWork, building_id: int) -> list[UnitView]:
    rows = await uow.session.execute(
        select(Unit, Building)
        .join(Building, Unit.building_id == Building.id)
        .where(Unit.building_id == building_id)
    )
    views = [_unit_view(unit, building) for unit, building in rows]
    return sorted(views, key=lambda u: natural_key(u.number))


async def list_estate_units(uow: UnitOfWork, estate_id: int) -> list[UnitView]:
    rows = await uow.session.execute(
        select(Unit, Building)
        .join(Building, Unit.building_id == Building.id)
        .where(Building.estate_id == estate_id)
    )
    views = [_unit_view(unit, building) for unit, building in rows]
    return sorted(views, key=lambda u: (natural_key(u.building_name), natural_key(u.number)))


# --- teams ---------------------------------------------------------------------------------------


async def create_team(uow: UnitOfWork, estate_id: int, name: str, kind: TeamKind) -> TeamView:
    name = check_name(name, "team", 50)
    kind = TeamKind(kind)
    if await get_team(uow, estate_id, name) is not None:
        raise InvalidInput("team {name} already exists", name=name)
    row = Team(estate_id=estate_id, name=name, kind=kind)
    uow.add(row)
    await uow.flush()
    return TeamView(row.id, estate_id, kind, name)


async def get_team(uow: UnitOfWork, estate_id: int, name: str) -> TeamView | None:
    row = await uow.session.scalar(
        select(Team).where(Team.estate_id == estate_id, Team.name == name.strip())
    )
    return None if row is None else TeamView(row.id, row.estate_id, TeamKind(row.kind), row.name)


async def ensure_team(uow: UnitOfWork, estate_id: int, name: str) -> TeamView:
    """An existing team by name, or a standard one (工程组, 家政组, …) created on first mention."""
    team = await get_team(uow, estate_id, name)
    if team is not None:
        return team
    kind = STANDARD_TEAMS.get(name.strip())
    if kind is None:
        raise NotFound(
            "unknown team {name!r}: create it first (standard names: {choices})",
            name=name,
            choices=", ".join(list(STANDARD_TEAMS)[:5]),
        )
    return await create_team(uow, estate_id, name, kind)


async def list_teams(uow: UnitOfWork, estate_id: int) -> list[TeamView]:
    rows = await uow.session.scalars(
        select(Team).where(Team.estate_id == estate_id).order_by(Team.name)
    )
    return [TeamView(r.id, r.estate_id, TeamKind(r.kind), r.name) for r in rows]


# --- categories ----------------------------------------------------------------------------------


@cache
def default_categories() -> tuple[DefaultCategory, ...]:
    """The categories a new estate starts with, from core/data/default_categories.csv."""
    text = resources.files("core").joinpath("data/default_categories.csv").read_text("utf-8-sig")
    return tuple(
        DefaultCategory(
            OrderKind(row["kind"]),
            row["code"],
            row["name_hans"],
            row["name_hant"],
            int(row["sort"]),
        )
        for row in csv.DictReader(io.StringIO(text))
    )


async def add_default_categories(uow: UnitOfWork, estate_id: int) -> int:
    """Adds the default categories an estate lacks (by kind and code); returns how many."""
    existing = set(
        (
            await uow.session.execute(
                select(Category.kind, Category.code).where(Category.estate_id == estate_id)
            )
        ).all()
    )
    added = 0
    for item in default_categories():
        if (item.kind.value, item.code) in existing:
            continue
        uow.add(
            Category(
                estate_id=estate_id,
                kind=item.kind,
                code=item.code,
                name_hans=item.name_hans,
                name_hant=item.name_hant,
                sort=item.sort,
            )
        )
        added += 1
    await uow.flush()
    return added


async def list_categories(uow: UnitOfWork, estate_id: int, kind: OrderKind) -> list[CategoryView]:
    rows = await uow.session.scalars(
        select(Category)
        .where(Category.estate_id == estate_id, Category.kind == kind)
        .order_by(Category.sort, Category.id)
    )
    return [CategoryView(r.id, OrderKind(r.kind), r.code, r.name_hans, r.name_hant) for r in rows]


# --- staff and residents -------------------------------------------------------------------------


async def _person_by_phone(uow: UnitOfWork, name: str | None, phone: str) -> tuple[int, bool]:
    """The person with this phone (named if they had no name yet), or a new one."""
    person_id = await people.find_by_phone(uow, phone)
    if person_id is None:
        return await people.create_person(uow, name, phone), True
    if name:
        person = await uow.session.get_one(Person, person_id)
        if person.name_enc is None:
            person.name_enc = uow.cipher.encrypt(name)
    return person_id, False


async def ensure_staff(
    uow: UnitOfWork,
    estate_id: int,
    name: str | None,
    phone: str,
    role: Role,
    team_id: int | None = None,
) -> Enrolment:
    """Finds the person by phone (or creates them) and grants the role; running it twice is safe.

    An existing person keeps the name on record.
    """
    phone = check_phone(phone)
    role = check_staff_role(role)
    person_id, person_created = await _person_by_phone(uow, name, phone)
    held = await uow.session.scalar(
        select(StaffRole.active).where(
            StaffRole.person_id == person_id,
            StaffRole.estate_id == estate_id,
            StaffRole.role == role,
        )
    )
    await people.grant_role(uow, person_id, estate_id, role, team_id)
    await uow.flush()
    return Enrolment(person_id, person_created, created=not held)


async def ensure_resident(
    uow: UnitOfWork, unit_id: int, name: str | None, phone: str, relation: Relation
) -> Enrolment:
    """The person with this phone, bound to the unit and verified (the office vouches for them)."""
    phone = check_phone(phone)
    relation = Relation(relation)
    person_id, person_created = await _person_by_phone(uow, name, phone)
    created = await verify_binding(uow, person_id, unit_id, relation)
    return Enrolment(person_id, person_created, created)


async def verify_binding(
    uow: UnitOfWork, person_id: int, unit_id: int, relation: Relation, decided_by: int | None = None
) -> bool:
    """A verified binding of the person to the unit; True when it did not exist before."""
    now = uow.clock.now()
    binding = await uow.session.scalar(
        select(UnitBinding).where(
            UnitBinding.person_id == person_id, UnitBinding.unit_id == unit_id
        )
    )
    if binding is None:
        uow.add(
            UnitBinding(
                person_id=person_id,
                unit_id=unit_id,
                relation=relation,
                status=BindingStatus.VERIFIED,
                created_at=now,
                decided_at=now,
                decided_by=decided_by,
            )
        )
        await uow.flush()
        return True
    if binding.status != BindingStatus.VERIFIED or binding.relation != relation:
        binding.relation = relation
        binding.status = BindingStatus.VERIFIED
        binding.decided_at = now
        binding.decided_by = decided_by
        await uow.flush()
    return False


async def staff_person(uow: UnitOfWork, estate_id: int, phone: str) -> int:
    """The person holding an active staff role in the estate with this phone."""
    person_id = await people.find_by_phone(uow, phone)
    if person_id is not None:
        posts = await people.staff_posts(uow, person_id)
        if any(post.estate_id == estate_id for post in posts):
            return person_id
    raise NotFound(
        "no active staff member of this estate has phone {phone}", phone=mask_phone(phone)
    )


async def list_staff(
    uow: UnitOfWork, estate_id: int, *, include_inactive: bool = False
) -> list[StaffView]:
    query = (
        select(StaffRole, Person, Team.name)
        .join(Person, StaffRole.person_id == Person.id)
        .outerjoin(Team, StaffRole.team_id == Team.id)
        .where(StaffRole.estate_id == estate_id)
    )
    if not include_inactive:
        query = query.where(StaffRole.active.is_(True))
    views = []
    for post, person, team in await uow.session.execute(query):
        phone = uow.cipher.decrypt(person.phone_enc)
        views.append(
            StaffView(
                person.id,
                uow.cipher.decrypt(person.name_enc),
                mask_phone(phone) if phone else None,
                Role(post.role),
                team,
                post.active,
            )
        )
    order = list(Role)
    return sorted(
        views, key=lambda v: (order.index(v.role), v.team or "", v.name or "", v.person_id)
    )
