"""`guanjia import FILE.csv`: estates, buildings, units, teams, staff and residents in one CSV.

The file is UTF-8, with or without the byte-order mark Excel writes ("CSV UTF-8"). The first line
names the columns (any order, any case; only `record` and `estate_code` must be present, other
columns may be left out when no row needs them). Each later line is one record; row numbers in
error reports are spreadsheet row numbers (the header is row 1). Empty lines, and lines whose
`record` starts with `#`, are skipped.

| record   | required columns                                 | optional columns                  |
| -------- | ------------------------------------------------ | --------------------------------- |
| estate   | estate_code, estate_name                         | region, timezone, locale,         |
|          |                                                  | service_phone, currency           |
| building | estate_code, building                            |                                   |
| unit     | estate_code, building, unit                      |                                   |
| team     | estate_code, team, team_kind                     |                                   |
| staff    | estate_code, name, phone, role                   | team                              |
| resident | estate_code, building, unit, name, phone,        |                                   |
|          | relation                                         |                                   |

- estate_code: 1 to 8 letters A-Z (the prefix of order numbers; lower case is raised).
- region: CN (default), HK, MO or TW, the holiday calendar. timezone defaults to the region's
  (Asia/Shanghai, Asia/Hong_Kong, Asia/Macau, Asia/Taipei); locale (zh_Hans or zh_Hant) too
  (CN: zh_Hans, else zh_Hant); currency (CNY, HKD, MOP or TWD: fees and the fee threshold) too
  (CN: CNY, HK: HKD, MO: MOP, TW: TWD). A new estate gets the default repair, complaint and
  housekeeping categories.
- team_kind: engineering, housekeeping, customer_service, security or cleaning.
- role: technician, housekeeper, dispatcher, supervisor, manager or admin. A staff row's team
  must exist (in the database, or as a team row earlier in the file) unless it is a standard
  name, created with its kind on first mention: 工程组 engineering, 家政组 housekeeping,
  客服组 customer_service, 秩序组 security, 保洁组 cleaning (or the same in Traditional).
  A person with several roles has one staff row per role.
- relation: owner or tenant. A resident row binds the person to the unit, verified.
- phone: 8 to 15 digits; spaces, dashes, brackets and a leading + are allowed. People are matched
  by phone: a phone already on record reuses that person (and keeps the name on record).

A row may refer only to estates, buildings, units and teams that exist in the database or are
defined on an earlier row. Everything is checked before anything is written: on any error
ImportFailed lists every problem (row, column, what is wrong) and nothing is written. Importing
a file again creates nothing twice: existing rows are reused as they are (never updated or
deleted), except that a staff role is reactivated with the file's team and a resident's binding is
verified with the file's relation. The caller commits.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.crypto import mask_phone, normalize_phone
from core.enums import Relation, Role, TeamKind
from core.errors import DomainError, ImportFailed
from core.models import Building, Estate, Team, Unit
from core.services import directory
from core.uow import UnitOfWork

COLUMNS = (
    "record",
    "estate_code",
    "estate_name",
    "building",
    "unit",
    "name",
    "phone",
    "role",
    "team",
    "team_kind",
    "relation",
    "region",
    "timezone",
    "locale",
    "service_phone",
    "currency",
)
REQUIRED = {
    "estate": ("estate_code", "estate_name"),
    "building": ("estate_code", "building"),
    "unit": ("estate_code", "building", "unit"),
    "team": ("estate_code", "team", "team_kind"),
    "staff": ("estate_code", "name", "phone", "role"),
    "resident": ("estate_code", "building", "unit", "name", "phone", "relation"),
}
RECORDS = tuple(REQUIRED)


@dataclass(frozen=True)
class ImportSummary:
    created: dict[str, int]
    reused: dict[str, int]
    people_created: int = 0
    categories_created: int = 0

    def lines(self) -> list[str]:
        lines = [
            f"{record:<9} created {self.created.get(record, 0):>5}, "
            f"already there {self.reused.get(record, 0):>5}"
            for record in RECORDS
        ]
        lines.append(f"people    created {self.people_created:>5}")
        lines.append(f"categories created {self.categories_created:>4}")
        return lines


# --- the plan: one checked step per row ----------------------------------------------------------


@dataclass(frozen=True)
class _Estate:
    code: str
    name: str
    region: str
    timezone: str | None
    locale: str | None
    service_phone: str | None
    currency: str | None = None


@dataclass(frozen=True)
class _Building:
    estate: str
    name: str


@dataclass(frozen=True)
class _Unit:
    estate: str
    building: str
    number: str


@dataclass(frozen=True)
class _Team:
    estate: str
    name: str
    kind: TeamKind


@dataclass(frozen=True)
class _Staff:
    estate: str
    name: str
    phone: str
    role: Role
    team: str | None


@dataclass(frozen=True)
class _Resident:
    estate: str
    building: str
    unit: str
    name: str
    phone: str
    relation: Relation


_Step = _Estate | _Building | _Unit | _Team | _Staff | _Resident


@dataclass
class _Known:
    """What exists, in the database (row 0) or on an earlier row of the file (its number)."""

    estates: dict[str, int] = field(default_factory=dict)
    buildings: dict[tuple[str, str], int] = field(default_factory=dict)
    units: dict[tuple[str, str, str], int] = field(default_factory=dict)
    teams: dict[tuple[str, str], tuple[int, TeamKind]] = field(default_factory=dict)
    staff: dict[tuple[str, str, Role], int] = field(default_factory=dict)
    residents: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    names: dict[str, tuple[int, str]] = field(default_factory=dict)  # phone digits → row, name


def _problem(exc: DomainError) -> str:
    return exc.message_id.format(**exc.params)


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [(0, f"the file is not UTF-8 (byte {exc.start}); in Excel save it as 'CSV UTF-8'")]
        ) from None


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, column → stripped value) for each non-empty, non-comment row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportFailed([(0, "the file is empty")])
    columns = [name.strip().lower() for name in header]
    errors = [
        (1, f"column {name!r}: unknown column (known: {', '.join(COLUMNS)})")
        for name in columns
        if name and name not in COLUMNS
    ]
    errors += [
        (1, f"column {name!r}: appears twice")
        for name in set(columns)
        if columns.count(name) > 1 and name
    ]
    errors += [
        (1, f"column {name!r}: missing from the header")
        for name in ("record", "estate_code")
        if name not in columns
    ]
    if errors:
        raise ImportFailed(sorted(errors))
    rows = []
    for number, values in enumerate(reader, start=2):
        record = dict(zip(columns, (v.strip() for v in values), strict=False))
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
            record["\0extra"] = "yes"
        if not any(record.values()) or record.get("record", "").startswith("#"):
            continue
        rows.append((number, record))
    return rows


async def _load_known(uow: UnitOfWork, codes: set[str]) -> _Known:
    known = _Known()
    if not codes:
        return known
    estates = dict(
        (
            await uow.session.execute(select(Estate.code, Estate.id).where(Estate.code.in_(codes)))
        ).all()
    )
    code_of = {estate_id: code for code, estate_id in estates.items()}
    known.estates = dict.fromkeys(estates, 0)
    buildings = await uow.session.execute(
        select(Building.estate_id, Building.name).where(Building.estate_id.in_(code_of))
    )
    known.buildings = {(code_of[e], name): 0 for e, name in buildings}
    units = await uow.session.execute(
        select(Building.estate_id, Building.name, Unit.number)
        .join(Unit, Unit.building_id == Building.id)
        .where(Building.estate_id.in_(code_of))
    )
    known.units = {(code_of[e], b, n): 0 for e, b, n in units}
    teams = await uow.session.execute(
        select(Team.estate_id, Team.name, Team.kind).where(Team.estate_id.in_(code_of))
    )
    known.teams = {(code_of[e], name): (0, TeamKind(kind)) for e, name, kind in teams}
    return known


class _RowChecker:
    """Checks one row, collecting every problem as (row, "column x: what is wrong")."""

    def __init__(self, number: int, values: dict[str, str], errors: list[tuple[int, str]]):
        self.number = number
        self.values = values
        self.errors = errors
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.errors.append((self.number, f"column {column}: {message}" if column else message))

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def required(self, record: str) -> None:
        for column in REQUIRED[record]:
            if not self.get(column):
                self.fail(column, f"missing (required for a {record} row)")

    def check(self, column: str, checker: Any, *args: Any) -> Any:
        value = self.get(column)
        if not value:
            return None
        try:
            return checker(value, *args)
        except DomainError as exc:
            self.fail(column, _problem(exc))
            return None


def _check_row(
    number: int, values: dict[str, str], known: _Known, errors: list[tuple[int, str]]
) -> _Step | None:
    row = _RowChecker(number, values, errors)
    record = row.get("record").lower()
    if record not in REQUIRED:
        row.fail(
            "record", f"unknown record type {row.get('record')!r} (one of {', '.join(RECORDS)})"
        )
        return None
    if "\0extra" in values:
        row.fail(
            None, "more values than columns in the header (a comma inside a value needs quotes)"
        )
    row.required(record)
    code = row.check("estate_code", directory.check_estate_code)
    if code is not None and record != "estate" and code not in known.estates:
        row.fail(
            "estate_code", f"unknown estate code {code!r} (define it on an earlier estate row)"
        )
    estate_ok = code is not None and (record == "estate" or code in known.estates)
    building = row.check("building", directory.check_name, "building", 50)
    unit = row.check("unit", directory.check_name, "unit number", 20)

    if record == "estate":
        step: _Step | None = None
        name = row.check("estate_name", directory.check_name, "estate name", 100)
        region = row.check("region", directory.check_region) or "CN"
        timezone = row.check("timezone", directory.check_timezone)
        locale = row.check("locale", directory.check_locale)
        service_phone = row.check("service_phone", directory.check_phone)
        currency = row.check("currency", directory.check_currency)
        if code is not None and known.estates.get(code, 0) > 0:
            row.fail("estate_code", f"duplicate estate {code} (also on row {known.estates[code]})")
        if row.ok:
            known.estates[code] = number
            step = _Estate(code, name, region, timezone, locale, service_phone, currency)
        return step

    if record == "building":
        key = (code, building)
        if estate_ok and building is not None and known.buildings.get(key, 0) > 0:
            row.fail(
                "building", f"duplicate building {building} (also on row {known.buildings[key]})"
            )
        if not row.ok:
            return None
        known.buildings[key] = number
        return _Building(code, building)

    building_ok = estate_ok and building is not None and (code, building) in known.buildings
    if estate_ok and building is not None and not building_ok:
        row.fail(
            "building", f"unknown building {building!r} in {code} (define it on an earlier row)"
        )

    if record == "unit":
        key3 = (code, building, unit)
        if building_ok and unit is not None and known.units.get(key3, 0) > 0:
            row.fail("unit", f"duplicate unit {building} {unit} (also on row {known.units[key3]})")
        if not row.ok:
            return None
        known.units[key3] = number
        return _Unit(code, building, unit)

    if record == "team":
        name = row.check("team", directory.check_name, "team", 50)
        kind = row.check("team_kind", directory.check_team_kind)
        key = (code, name)
        if estate_ok and name is not None and kind is not None and key in known.teams:
            seen, seen_kind = known.teams[key]
            if seen > 0:
                row.fail("team", f"duplicate team {name} (also on row {seen})")
            elif seen_kind != kind:
                row.fail("team_kind", f"team {name} already exists with kind {seen_kind}")
        if not row.ok:
            return None
        known.teams[key] = (number, kind)
        return _Team(code, name, kind)

    name = row.check("name", directory.check_name, "name", 100)
    phone = row.check("phone", directory.check_phone)
    if name is not None and phone is not None:
        digits = normalize_phone(phone)
        seen_row, seen_name = known.names.setdefault(digits, (number, name))
        if seen_name != name:
            row.fail(
                "name", f"phone {mask_phone(phone)} has the name {seen_name!r} on row {seen_row}"
            )

    if record == "staff":
        role = row.check("role", directory.check_staff_role)
        team = row.check("team", directory.check_name, "team", 50)
        if team is not None and estate_ok and (code, team) not in known.teams:
            if team in directory.STANDARD_TEAMS:
                known.teams[(code, team)] = (0, directory.STANDARD_TEAMS[team])
            else:
                row.fail("team", f"unknown team {team!r} (define it on an earlier team row)")
        if not row.ok:
            return None
        skey = (code, normalize_phone(phone), role)
        if skey in known.staff:
            row.fail(
                "role",
                f"duplicate staff role {role} for {mask_phone(phone)}"
                f" (also on row {known.staff[skey]})",
            )
            return None
        known.staff[skey] = number
        return _Staff(code, name, phone, role, team)

    relation = row.check("relation", directory.check_relation)
    if building_ok and unit is not None and (code, building, unit) not in known.units:
        row.fail("unit", f"unknown unit {building} {unit} (define it on an earlier unit row)")
    if not row.ok:
        return None
    rkey = (code, building, unit, normalize_phone(phone))
    if rkey in known.residents:
        row.fail(
            "phone",
            f"duplicate resident {mask_phone(phone)} of {building} {unit}"
            f" (also on row {known.residents[rkey]})",
        )
        return None
    known.residents[rkey] = number
    return _Resident(code, building, unit, name, phone, relation)


async def check(uow: UnitOfWork, data: bytes | str) -> list[tuple[int, _Step]]:
    """Reads and checks the whole file; raises ImportFailed with every problem found."""
    rows = read_rows(decode(data))
    codes = set()
    for _, values in rows:
        with contextlib.suppress(DomainError):
            codes.add(directory.check_estate_code(values.get("estate_code", "")))
    known = await _load_known(uow, codes)
    errors: list[tuple[int, str]] = []
    steps = []
    for number, values in rows:
        step = _check_row(number, values, known, errors)
        if step is not None:
            steps.append((number, step))
    if errors:
        raise ImportFailed(errors)
    if not steps:
        raise ImportFailed([(0, "the file has no records")])
    return steps


async def import_csv(uow: UnitOfWork, data: bytes | str) -> ImportSummary:
    """Checks everything, then writes everything in the caller's unit of work (not committed)."""
    steps = await check(uow, data)
    created = dict.fromkeys(RECORDS, 0)
    reused = dict.fromkeys(RECORDS, 0)
    people_created = categories_created = 0
    estates: dict[str, int] = {}
    buildings: dict[tuple[str, str], int] = {}
    teams: dict[tuple[str, str], int] = {}

    def count(record: str, new: bool) -> None:
        (created if new else reused)[record] += 1

    async def estate_id(code: str) -> int:
        if code not in estates:
            estates[code] = (await directory.require_estate(uow, code)).id
        return estates[code]

    async def building_id(code: str, name: str) -> int:
        if (code, name) not in buildings:
            found = await directory.get_building(uow, await estate_id(code), name)
            assert found is not None  # checked
            buildings[(code, name)] = found.id
        return buildings[(code, name)]

    for _number, step in steps:
        match step:
            case _Estate():
                existing = await directory.get_estate(uow, step.code)
                count("estate", existing is None)
                if existing is None:
                    existing = await directory.create_estate(
                        uow,
                        step.code,
                        step.name,
                        timezone=step.timezone,
                        region=step.region,
                        default_locale=step.locale,
                        service_phone=step.service_phone,
                        currency=step.currency,
                    )
                    categories_created += len(directory.default_categories())
                estates[step.code] = existing.id
            case _Building():
                eid = await estate_id(step.estate)
                found = await directory.get_building(uow, eid, step.name)
                count("building", found is None)
                if found is None:
                    found = await directory.create_building(uow, eid, step.name)
                buildings[(step.estate, step.name)] = found.id
            case _Unit():
                eid = await estate_id(step.estate)
                unit = await directory.find_unit(uow, eid, step.building, step.number)
                count("unit", unit is None)
                if unit is None:
                    bid = await building_id(step.estate, step.building)
                    await directory.create_unit(uow, bid, step.number)
            case _Team():
                eid = await estate_id(step.estate)
                team = await directory.get_team(uow, eid, step.name)
                count("team", team is None)
                if team is None:
                    team = await directory.create_team(uow, eid, step.name, step.kind)
                teams[(step.estate, step.name)] = team.id
            case _Staff():
                eid = await estate_id(step.estate)
                team_id = None
                if step.team is not None:
                    team = await directory.get_team(uow, eid, step.team)
                    if team is None:
                        team = await directory.ensure_team(uow, eid, step.team)
                        count("team", True)
                    team_id = team.id
                enrolment = await directory.ensure_staff(
                    uow, eid, step.name, step.phone, step.role, team_id
                )
                count("staff", enrolment.created)
                people_created += enrolment.person_created
            case _Resident():
                eid = await estate_id(step.estate)
                unit = await directory.find_unit(uow, eid, step.building, step.unit)
                assert unit is not None  # checked
                enrolment = await directory.ensure_resident(
                    uow, unit.id, step.name, step.phone, step.relation
                )
                count("resident", enrolment.created)
                people_created += enrolment.person_created
    return ImportSummary(created, reused, people_created, categories_created)
