"""Setting an estate up without touching the database: directory, import, invitations, admin CLI."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import BindingStatus, OrderKind, Relation, Role, TeamKind
from core.errors import ImportFailed, InvitationInvalid
from core.models import (
    Base,
    Building,
    Category,
    Estate,
    Invitation,
    Person,
    StaffRole,
    Team,
    Unit,
    UnitBinding,
)
from core.services import directory, importer, invitations, people
from core.uow import UnitOfWorkFactory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CODE = re.compile(r"[A-Za-z0-9_-]{12}")
TABLES = (Estate, Building, Unit, Team, Category, Person, StaffRole, UnitBinding, Invitation)


async def _create_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'guanjia.db'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await _create_schema(db_url)
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def uows(engine: AsyncEngine, clock: FakeClock) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(session_factory(engine), clock, Cipher(new_key()))


async def _import(uows: UnitOfWorkFactory, data: bytes | str) -> importer.ImportSummary:
    async with uows() as uow:
        summary = await importer.import_csv(uow, data)
        await uow.commit()
    return summary


async def _counts(uows: UnitOfWorkFactory) -> dict[str, int]:
    async with uows() as uow:
        return {
            table.__tablename__: await uow.session.scalar(select(func.count()).select_from(table))
            or 0
            for table in TABLES
        }


# --- directory -----------------------------------------------------------------------------------


def test_default_categories_data() -> None:
    items = directory.default_categories()
    by_kind: dict[OrderKind, list[tuple[str, str, str, int]]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(
            (item.code, item.name_hans, item.name_hant, item.sort)
        )
    assert by_kind[OrderKind.IN_HOME_REPAIR] == by_kind[OrderKind.PUBLIC_REPAIR]
    assert [c[1] for c in by_kind[OrderKind.IN_HOME_REPAIR]] == [
        "水", "电", "门窗", "墙面天花", "电梯", "下水道", "燃气", "家电", "其他",
    ]  # fmt: skip
    assert len(by_kind[OrderKind.COMPLAINT]) == 7
    assert [c[0] for c in by_kind[OrderKind.HOUSEKEEPING]] == ["cleaning", "gardening", "other"]
    assert len({(i.kind, i.code) for i in items}) == len(items)


async def test_directory_create_and_look_up(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        estate = await directory.create_estate(uow, "hk", "海景苑", region="HK")
        for name in ("10座", "2座"):
            building = await directory.create_building(uow, estate.id, name)
        for number in ("1001", "101", "2A"):
            await directory.create_unit(uow, building.id, number)
        await directory.create_team(uow, estate.id, "工程組", TeamKind.ENGINEERING)
        await uow.commit()
    assert estate.currency == "HKD"  # from the region
    assert (estate.code, estate.timezone, estate.default_locale) == (
        "HK",
        "Asia/Hong_Kong",
        "zh_Hant",
    )
    async with uows() as uow:
        assert await directory.list_estates(uow) == [estate]
        buildings = await directory.list_buildings(uow, estate.id)
        assert [b.name for b in buildings] == ["2座", "10座"]
        units = await directory.list_units(uow, buildings[0].id)
        assert [u.number for u in units] == ["2A", "101", "1001"]
        found = await directory.find_unit(uow, estate.id, "2座", "101")
        assert found is not None
        assert (found.building_name, found.number, found.estate_id) == ("2座", "101", estate.id)
        assert await directory.find_unit(uow, estate.id, "10座", "101") is None
        repairs = await directory.list_categories(uow, estate.id, OrderKind.PUBLIC_REPAIR)
        assert [(c.code, c.name_hant) for c in repairs][:2] == [
            ("water", "水"),
            ("electricity", "電"),
        ]
        assert repairs[-1].code == "other"
        assert await directory.list_categories(uow, estate.id, OrderKind.PRAISE) == []
        with pytest.raises(Exception, match="already exists"):
            await directory.create_estate(uow, "HK", "again")
        with pytest.raises(Exception, match="1 to 8 letters"):
            await directory.create_estate(uow, "B1", "bad")


# --- import --------------------------------------------------------------------------------------


async def test_import_example(uows: UnitOfWorkFactory) -> None:
    summary = await _import(uows, EXAMPLE.read_bytes())
    assert summary.created == {
        "estate": 1,
        "building": 2,
        "unit": 4,
        "team": 3,
        "staff": 5,
        "resident": 3,
    }
    assert set(summary.reused.values()) == {0}
    assert summary.people_created == 8
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        assert (estate.name, estate.region, estate.timezone) == ("碧溪花园", "CN", "Asia/Shanghai")
        assert estate.service_phone == "0755-8888 6666"
        complaint = await directory.list_categories(uow, estate.id, OrderKind.COMPLAINT)
        assert complaint[0].name_hans == "服务态度"
        assert complaint[0].name_hant == "服務態度"

        # Found by phone in either spelling; stored encrypted only.
        technician = await people.find_by_phone(uow, "+86 138-0000-0001")
        assert technician is not None
        assert await people.name_of(uow, technician) == "张师傅"
        row = await uow.session.get_one(Person, technician)
        assert row.name_enc is not None
        assert "张师傅".encode() not in row.name_enc
        assert b"13800000001" not in (row.phone_enc or b"")
        posts = await people.staff_posts(uow, technician)
        team = await directory.get_team(uow, estate.id, "工程组")
        assert team is not None
        assert [(p.role, p.team_id) for p in posts] == [(Role.TECHNICIAN, team.id)]

        wife = await people.find_by_phone(uow, "13900000002")
        assert wife is not None
        assert await people.name_of(uow, wife) == "赵太太"
        assert await people.roles_of(uow, wife) == {Role.RESIDENT}
        binding = await uow.session.scalar(select(UnitBinding).where(UnitBinding.person_id == wife))
        assert binding is not None
        assert (binding.status, binding.relation) == (BindingStatus.VERIFIED, Relation.OWNER)
        unit = await directory.get_unit(uow, binding.unit_id)
        assert unit is not None
        assert unit.label == "1栋101"


async def test_import_twice_creates_nothing_twice(uows: UnitOfWorkFactory) -> None:
    await _import(uows, EXAMPLE.read_bytes())
    before = await _counts(uows)
    again = await _import(uows, EXAMPLE.read_bytes())
    assert await _counts(uows) == before
    assert set(again.created.values()) == {0}
    assert again.reused == {
        "estate": 1,
        "building": 2,
        "unit": 4,
        "team": 3,
        "staff": 5,
        "resident": 3,
    }
    assert again.people_created == 0


BAD = """\
record,estate_code,estate_name,building,unit,name,phone,role,team,relation,region
estate,BX,碧溪花园,,,,,,,,
estate,B2X,Bad code,,,,,,,,
estate,SZ,,,,,,,,,XX
flat,BX,,,,,,,,,
building,ZZ,,1栋,,,,,,,
building,BX,,1栋,,,,,,,
building,BX,,1栋,,,,,,,
unit,BX,,1栋,101,,,,,,
unit,BX,,1栋,101,,,,,,
unit,BX,,9栋,101,,,,,,
staff,BX,,,,张师傅,12345,technician,工程组,,
staff,BX,,,,李阿姨,13800000002,boss,维修部,,
staff,BX,,,,,13800000003,manager,,,
resident,BX,,1栋,101,赵先生,13900000001,,,wife,
resident,BX,,1栋,102,钱先生,13900000002,,,owner,
resident,BX,,1栋,101,赵先生,13900000001,,,owner,
resident,BX,,1栋,101,赵先生,13900000001,,,owner,
resident,BX,,1栋,101,孙先生,13900000001,,,tenant,
unit,LATER,,1栋,101,,,,,,
estate,LATER,Defined too late,,,,,,,,
"""


async def test_bad_file_reports_every_problem_and_writes_nothing(
    uows: UnitOfWorkFactory,
) -> None:
    with pytest.raises(ImportFailed) as failed:
        await _import(uows, BAD)
    problems = [(row, message.split(":")[0]) for row, message in failed.value.errors]
    assert problems == [
        (3, "column estate_code"),  # not letters
        (4, "column estate_name"),  # missing
        (4, "column region"),  # not CN/HK/MO/TW
        (5, "column record"),  # unknown record type
        (6, "column estate_code"),  # unknown estate
        (8, "column building"),  # duplicate building
        (10, "column unit"),  # duplicate unit
        (11, "column building"),  # unknown building
        (12, "column phone"),  # bad phone
        (13, "column role"),  # unknown role
        (13, "column team"),  # unknown team, not a standard name
        (14, "column name"),  # missing
        (15, "column relation"),  # not owner/tenant
        (16, "column unit"),  # unknown unit
        (18, "column phone"),  # duplicate resident
        (19, "column name"),  # same phone, another name
        (20, "column estate_code"),  # the estate comes later
    ]
    messages = dict(failed.value.errors)
    assert "duplicate unit 1栋 101 (also on row 9)" in messages[10]
    assert "bad phone number '12345'" in messages[12]
    assert all(count == 0 for count in (await _counts(uows)).values())


async def test_header_problems(uows: UnitOfWorkFactory) -> None:
    with pytest.raises(ImportFailed) as failed:
        await _import(uows, "record,estate,colour\nestate,BX,red\n")
    assert failed.value.errors == [
        (1, "column 'colour': unknown column " + f"(known: {', '.join(importer.COLUMNS)})"),
        (1, "column 'estate': unknown column " + f"(known: {', '.join(importer.COLUMNS)})"),
        (1, "column 'estate_code': missing from the header"),
    ]
    with pytest.raises(ImportFailed, match="imported") as failed:
        await _import(uows, "record,estate_code\n\n#,comment\n")
    assert failed.value.errors == [(0, "the file has no records")]


async def test_import_accepts_a_byte_order_mark_and_refuses_other_encodings(
    uows: UnitOfWorkFactory,
) -> None:
    text = "Record,Estate_Code,Estate_Name,Region\r\nestate,mo,澳門花園,MO\r\n"
    summary = await _import(uows, b"\xef\xbb\xbf" + text.encode())
    assert summary.created["estate"] == 1
    async with uows() as uow:
        estate = await directory.require_estate(uow, "MO")
        assert (estate.name, estate.timezone, estate.default_locale) == (
            "澳門花園",
            "Asia/Macau",
            "zh_Hant",
        )
    with pytest.raises(ImportFailed) as failed:
        await _import(uows, text.replace("澳門", "深圳").encode("gb18030"))
    [(row, message)] = failed.value.errors
    assert row == 0
    assert "not UTF-8" in message


async def test_staff_row_reuses_a_person_and_creates_standard_teams(
    uows: UnitOfWorkFactory,
) -> None:
    await _import(uows, EXAMPLE.read_bytes())
    summary = await _import(
        uows,
        "record,estate_code,name,phone,role,team\n"
        "staff,BX,张师傅,13800000001,supervisor,秩序组\n"
        "staff,BX,新人,13800000099,housekeeper,保洁组\n",
    )
    assert summary.created["staff"] == 2
    assert summary.created["team"] == 2
    assert summary.people_created == 1
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        teams = {t.name: t.kind for t in await directory.list_teams(uow, estate.id)}
        assert teams["秩序组"] is TeamKind.SECURITY
        assert teams["保洁组"] is TeamKind.CLEANING
        person = await people.find_by_phone(uow, "13800000001")
        assert person is not None
        assert {p.role for p in await people.staff_posts(uow, person)} == {
            Role.TECHNICIAN,
            Role.SUPERVISOR,
        }


# --- invitations ---------------------------------------------------------------------------------


async def _units(uows: UnitOfWorkFactory) -> list[directory.UnitView]:
    await _import(uows, EXAMPLE.read_bytes())
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        return await directory.list_estate_units(uow, estate.id)


async def _person(uows: UnitOfWorkFactory, phone: str | None = None) -> int:
    async with uows() as uow:
        person_id = await people.create_person(uow, None, phone)
        await uow.commit()
    return person_id


async def test_unit_invitation_is_redeemed_once(uows: UnitOfWorkFactory, clock: FakeClock) -> None:
    units = await _units(uows)
    async with uows() as uow:
        views = await invitations.create_unit_invitations(
            uow, [units[1].id, units[0].id], Relation.TENANT
        )
        await uow.commit()
    assert [v.unit_id for v in views] == [units[1].id, units[0].id]
    assert [v.unit_label for v in views] == ["1栋102", "1栋101"]
    assert all(CODE.fullmatch(v.code) for v in views)
    assert len({v.code for v in views}) == 2
    assert views[0].expires_at == START + timedelta(days=30)

    resident = await _person(uows)
    clock.advance(timedelta(days=29))
    async with uows() as uow:
        redemption = await invitations.redeem(uow, views[0].code, resident)
        await uow.commit()
    assert redemption == invitations.Redemption(
        "unit", units[1].estate_id, units[1].id, Relation.TENANT, resident
    )
    async with uows() as uow:
        binding = await uow.session.scalar(
            select(UnitBinding).where(UnitBinding.person_id == resident)
        )
        assert binding is not None
        assert (binding.unit_id, binding.status) == (units[1].id, BindingStatus.VERIFIED)
        row = await uow.session.scalar(select(Invitation).where(Invitation.code == views[0].code))
        assert row is not None
        assert (row.used_at, row.used_by) == (clock.now(), resident)

    async with uows() as uow:
        with pytest.raises(InvitationInvalid) as used:
            await invitations.redeem(uow, views[0].code, await _person(uows))
        assert used.value.params == {"reason": "used"}
        with pytest.raises(InvitationInvalid) as unknown:
            await invitations.redeem(uow, "no-such-code", resident)
        assert unknown.value.params == {"reason": "unknown"}

    clock.advance(timedelta(days=2))
    async with uows() as uow:
        with pytest.raises(InvitationInvalid) as expired:
            await invitations.redeem(uow, views[1].code, resident)
        assert expired.value.params == {"reason": "expired"}


async def test_unit_invitation_verifies_a_pending_binding(uows: UnitOfWorkFactory) -> None:
    units = await _units(uows)
    resident = await _person(uows)
    async with uows() as uow:
        uow.add(
            UnitBinding(
                person_id=resident,
                unit_id=units[2].id,
                relation=Relation.OWNER,
                status=BindingStatus.PENDING,
                created_at=uow.clock.now(),
            )
        )
        [view] = await invitations.create_unit_invitations(uow, [units[2].id], "owner")
        await uow.commit()
    async with uows() as uow:
        await invitations.redeem(uow, view.code, resident)
        await uow.commit()
    async with uows() as uow:
        bindings = (
            await uow.session.scalars(select(UnitBinding).where(UnitBinding.person_id == resident))
        ).all()
        assert [(b.unit_id, b.status) for b in bindings] == [(units[2].id, BindingStatus.VERIFIED)]


async def test_concurrent_redemptions_succeed_once(uows: UnitOfWorkFactory) -> None:
    units = await _units(uows)
    async with uows() as uow:
        [view] = await invitations.create_unit_invitations(uow, [units[0].id], Relation.OWNER)
        await uow.commit()
    claimants = [await _person(uows) for _ in range(4)]

    async def claim(person_id: int) -> invitations.Redemption:
        async with uows() as uow:
            redemption = await invitations.redeem(uow, view.code, person_id)
            await asyncio.sleep(0.01)  # hold the transaction open while the others try
            await uow.commit()
            return redemption

    results = await asyncio.gather(*(claim(p) for p in claimants), return_exceptions=True)
    won = [r for r in results if isinstance(r, invitations.Redemption)]
    lost = [r for r in results if isinstance(r, InvitationInvalid)]
    assert (len(won), len(lost)) == (1, 3), results
    async with uows() as uow:
        bindings = (
            await uow.session.scalars(select(UnitBinding).where(UnitBinding.unit_id == units[0].id))
        ).all()
        # The example file already binds two residents to this unit; one claimant joined them.
        assert [b.person_id for b in bindings if b.person_id in claimants] == [won[0].person_id]


async def test_staff_invitation(uows: UnitOfWorkFactory) -> None:
    await _import(uows, EXAMPLE.read_bytes())
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        staff = await directory.staff_person(uow, estate.id, "13800000003")
        first = await invitations.create_staff_invitation(uow, staff, estate.id)
        second = await invitations.create_staff_invitation(uow, staff, estate.id)
        await uow.commit()
    assert CODE.fullmatch(second)
    async with uows() as uow:
        with pytest.raises(InvitationInvalid):  # a newer code replaced it
            await invitations.redeem(uow, first, None)
    async with uows() as uow:
        redemption = await invitations.redeem(uow, second, None)
        await uow.commit()
    assert redemption == invitations.Redemption("staff", estate.id, None, None, staff)


# --- the admin CLI -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    asyncio.run(_create_schema(db_url))
    key = new_key()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_KEY", key)
    monkeypatch.setenv("BOT_USERNAME", "bx_home_bot")
    return key


def _code_from(output: str) -> str:
    found = re.search(r"https://t\.me/bx_home_bot\?start=([A-Za-z0-9_-]+)", output)
    assert found is not None, output
    return found.group(1)


def test_cli_import_staff_and_invite(cli_env: str, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(admin_app, ["import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "resident  created     3" in result.stdout

    result = runner.invoke(
        admin_app,
        ["staff", "add", "--estate", "bx", "--name", "周师傅", "--phone", "13800000009",
         "--role", "technician", "--team", "工程组"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added 周师傅 (138****0009) as technician in BX" in result.stdout
    added_code = _code_from(result.stdout)

    result = runner.invoke(
        admin_app,
        ["staff", "role", "--phone", "13800000009", "--estate", "BX", "--role", "supervisor"],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        admin_app, ["staff", "code", "--phone", "138 0000 0009", "--estate", "BX"]
    )
    assert result.exit_code == 0, result.output
    fresh_code = _code_from(result.stdout)
    assert fresh_code != added_code

    result = runner.invoke(admin_app, ["staff", "list", "--estate", "BX"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["周师傅", "138****0009", "维修师傅", "工程组"] in lines  # labels, not enum values
    assert ["周师傅", "138****0009", "主管", "-"] in lines
    assert "13800000009" not in result.stdout

    result = runner.invoke(
        admin_app,
        ["staff", "role", "--phone", "13800000009", "--estate", "BX", "--role", "technician",
         "--remove"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    out = tmp_path / "invitations.csv"
    result = runner.invoke(
        admin_app,
        ["invite", "--estate", "BX", "--building", "1栋", "--format", "csv", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = raw.decode("utf-8-sig").splitlines()
    assert rows[0] == "estate,building,unit,relation,code,link,expires"
    assert [r.split(",")[2] for r in rows[1:]] == ["101", "102", "201"]

    result = runner.invoke(
        admin_app, ["invite", "--estate", "BX", "--building", "2栋", "--unit", "101"]
    )
    assert result.exit_code == 0, result.output
    [link] = result.stdout.splitlines()
    assert link.startswith("BX 2栋 101 (业主): https://t.me/bx_home_bot?start="), link
    unit_code = _code_from(link)

    async def check() -> None:
        engine = create_engine(db_url)
        uows = UnitOfWorkFactory(session_factory(engine), FakeClock(), Cipher(cli_env))
        try:
            async with uows() as uow:
                staff = await people.find_by_phone(uow, "13800000009")
                assert staff is not None
                assert await people.name_of(uow, staff) == "周师傅"
                assert {p.role for p in await people.staff_posts(uow, staff)} == {Role.SUPERVISOR}
                redemption = await invitations.redeem(uow, fresh_code, None)
                assert (redemption.kind, redemption.person_id) == ("staff", staff)
                resident = await people.create_person(uow, None, None)
                redemption = await invitations.redeem(uow, unit_code, resident)
                assert (redemption.kind, redemption.relation) == ("unit", Relation.OWNER)
                with pytest.raises(InvitationInvalid):
                    await invitations.redeem(uow, added_code, None)
        finally:
            await engine.dispose()

    asyncio.run(check())


def test_cli_errors(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(admin_app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "row 12: column phone: bad phone number '12345'" in result.stderr
    assert "17 problem(s); nothing was imported." in result.stderr
    assert result.stdout == ""

    result = runner.invoke(admin_app, ["import", str(EXAMPLE), "--check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(admin_app, ["staff", "code", "--phone", "13800000001", "--estate", "BX"])
    assert result.exit_code == 1  # --check wrote nothing
    assert "error: unknown estate code 'BX'" in result.stderr

    runner.invoke(admin_app, ["import", str(EXAMPLE)])
    for args, message in [
        (["staff", "code", "--phone", "13800000077", "--estate", "BX"], "no active staff member"),
        (["staff", "add", "--estate", "BX", "--name", "x", "--phone", "13800000019", "--role",
          "boss"], "unknown staff role 'boss'"),
        (["staff", "add", "--estate", "BX", "--name", "x", "--phone", "13800000019", "--role",
          "technician", "--team", "维修部"], "unknown team '维修部'"),
        (["staff", "role", "--phone", "13800000077", "--estate", "BX", "--role", "admin"],
         "no one on record"),
        (["invite", "--estate", "BX", "--unit", "101"], "--unit needs --building"),
        (["invite", "--estate", "BX", "--building", "9栋"], "unknown building '9栋'"),
    ]:  # fmt: skip
        result = runner.invoke(admin_app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)


def test_cli_roster(cli_env: str, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "phone,weekday,start,end\n13800000001,mon,08:00,17:30\n13800000001,tue,08:00,12:00\n",
        encoding="utf-8",
    )
    result = runner.invoke(admin_app, ["roster", "--estate", "BX", str(roster)])
    assert result.exit_code == 0, result.output
    assert "2 shifts imported" in result.stdout

    roster.write_text("phone,weekday,start,end\n19999999999,mon,08:00,17:30\n", encoding="utf-8")
    result = runner.invoke(admin_app, ["roster", "--estate", "BX", str(roster)])
    assert result.exit_code == 1
    assert "row 2" in result.output and "nothing was imported" in result.output


def test_cli_refuses_another_data_key_in_one_line(
    cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    monkeypatch.setenv("DATA_KEY", new_key())
    for args in (["staff", "list", "--estate", "BX"], ["import", str(EXAMPLE)]):
        result = runner.invoke(admin_app, args)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("error: DATA_KEY does not match this database"), line
        assert "Set DATA_KEY" in line
    monkeypatch.setenv("DATA_KEY", cli_env)
    assert runner.invoke(admin_app, ["staff", "list", "--estate", "BX"]).exit_code == 0


def test_cli_key_check_covers_a_database_older_than_it(
    cli_env: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database filled before the check existed: the key is tried on a stored name."""
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0

    async def forget_the_check() -> None:
        engine = create_engine(db_url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql("DELETE FROM key_checks")
        finally:
            await engine.dispose()

    asyncio.run(forget_the_check())
    monkeypatch.setenv("DATA_KEY", new_key())
    result = runner.invoke(admin_app, ["staff", "list", "--estate", "BX"])
    assert result.exit_code == 2 and "DATA_KEY does not match" in result.stderr


def test_the_default_key_file_sits_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime.resources import data_key
    from bot.runtime.settings import Settings

    (tmp_path / "office").mkdir()
    (tmp_path / "elsewhere").mkdir()
    url = f"sqlite+aiosqlite:///{tmp_path / 'office' / 'guanjia.db'}"
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    monkeypatch.delenv("DATA_KEY", raising=False)
    monkeypatch.chdir(tmp_path / "elsewhere")
    key = data_key(settings)
    assert (tmp_path / "office" / ".guanjia-key").read_text().strip() == key
    assert not (tmp_path / "elsewhere" / ".guanjia-key").exists()
    monkeypatch.chdir(tmp_path)
    assert data_key(settings) == key  # the same key from any working directory


def test_gitignore_keeps_the_key_and_the_database_out() -> None:
    ignored = (EXAMPLE.parent.parent / ".gitignore").read_text().splitlines()
    assert ".guanjia-key" in ignored
    assert {"*.db", "*.db-wal", "*.db-shm"} <= set(ignored)


class _GetMe(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = self.path == "/bot42:TOKEN/getMe"
        body = {"ok": True, "result": {"id": 42, "is_bot": True, "username": "office_bot"}}
        data = json.dumps(body if ok else {"ok": False, "description": "Unauthorized"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


def test_cli_invite_names_the_operators_own_bot(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    monkeypatch.delenv("BOT_USERNAME")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    args = ["invite", "--estate", "BX", "--building", "1栋", "--unit", "101"]
    result = runner.invoke(admin_app, args)
    assert result.exit_code == 1
    assert "set BOT_TOKEN" in result.stderr and result.stdout == ""

    server = HTTPServer(("127.0.0.1", 0), _GetMe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("API_BASE", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setenv("BOT_TOKEN", "42:TOKEN")
        result = runner.invoke(admin_app, args)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("BX 1栋 101 (业主): https://t.me/office_bot?start=")
        monkeypatch.setenv("BOT_TOKEN", "42:WRONG")
        result = runner.invoke(admin_app, args)
        assert result.exit_code == 1
        assert "could not ask Telegram for the bot's username" in result.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_cli_help_reads_as_help() -> None:
    from bot.cli.admin import mount
    from bot.cli.main import app

    mount(app)
    runner = CliRunner()
    result = runner.invoke(app, ["import", "--help"])
    assert result.exit_code == 0
    assert "Usage: guanjia import [OPTIONS] FILE" in result.stdout.replace("root", "guanjia")
    assert "<bool>" not in result.stdout
    assert re.search(r"^\s+--check\s+Only check", result.stdout, re.M), result.stdout
    result = runner.invoke(app, ["run", "--help"])
    assert "<bool>" not in result.stdout and "--webhook / --no-webhook" in result.stdout


async def test_an_estates_currency_follows_its_region_unless_the_file_says(
    uows: UnitOfWorkFactory,
) -> None:
    await _import(
        uows,
        "record,estate_code,estate_name,region,currency\n"
        "estate,BX,碧溪花园,,\nestate,HK,海景苑,HK,\nestate,MC,濠景,MO,\nestate,TP,台景,TW,HKD\n",
    )
    async with uows() as uow:
        found = [
            (await directory.require_estate(uow, c)).currency for c in ("BX", "HK", "MC", "TP")
        ]
    assert found == ["CNY", "HKD", "MOP", "HKD"]
    with pytest.raises(ImportFailed) as failed:
        await _import(uows, "record,estate_code,estate_name,currency\nestate,XX,某苑,USD\n")
    assert "currency 'USD' must be one of CNY, HKD, MOP, TWD" in str(failed.value.errors)


def test_run_refuses_an_unmigrated_database_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.main import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("DATA_KEY", new_key())
    monkeypatch.setenv("BOT_TOKEN", "42:TOKEN")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error: database:") and "guanjia db upgrade" in line
