"""A filled database for the report benchmark: estates, their residents, orders over months with
their whole timelines (events), callbacks and fees, written with PostgreSQL's COPY.

    .venv/bin/python -m bench.report_data --orders 500000 --residents 20000 \\
        --database postgresql+asyncpg://postgres@127.0.0.1:5432/test --schema bench_reports

The schema is dropped and made anew (Base.metadata, what the migrations make; tests check they
agree). Estates, buildings, units, teams and staff go through the importer like a real estate's
CSV (the sample estate BX first); residents, orders, events and callbacks are generated in
Python and copied in bulk: names and phone numbers encrypted as the bot stores them. The orders
are spread evenly over the estates and the `--months` months before `--until`; every timeline
follows the life cycle (registered → dispatched → accepted → on site → completed → confirmed
→ called back → closed), with refusals, cancellations, reminders at a limit, escalations,
reopenings after an unsatisfied callback, and the last days' orders still open.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.clock import FakeClock
from core.crypto import Cipher
from core.db import SCHEMA_PARAM, create_engine, session_factory
from core.enums import OrderKind, OrderStatus
from core.models import Base, Building, Category, Estate, StaffRole, Team, Unit
from core.services import importer
from core.uow import UnitOfWorkFactory
from sandbox.world import SAMPLE_ESTATE

KINDS = [  # kind, share
    (OrderKind.IN_HOME_REPAIR, 0.45),
    (OrderKind.PUBLIC_REPAIR, 0.15),
    (OrderKind.HOUSEKEEPING, 0.12),
    (OrderKind.COMPLAINT, 0.10),
    (OrderKind.INQUIRY, 0.12),
    (OrderKind.ALARM, 0.04),
    (OrderKind.PRAISE, 0.02),
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
MIN = timedelta(minutes=1)


def estates_csv(count: int) -> bytes:
    """Estates EA, EB… beside the sample one: 10 buildings of 20 units, four teams, ten workers,
    a dispatcher, a supervisor and a manager each."""
    lines = [
        "record,estate_code,estate_name,building,unit,name,phone,role,team,team_kind,relation,"
        "region,timezone,locale,service_phone"
    ]
    for n in range(1, count + 1):
        code = "E" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n - 1]  # EA, EB, … (letters only)
        lines.append(f"estate,{code},测试花园{n},,,,,,,,,CN,Asia/Shanghai,zh_Hans,")
        for building in range(1, 11):
            lines.append(f"building,{code},,{building}栋,,,,,,,,,,,")
            for floor in range(1, 11):
                for door in range(1, 3):
                    lines.append(f"unit,{code},,{building}栋,{floor}0{door},,,,,,,,,,")
        for team, kind in (("工程组", "engineering"), ("家政组", "housekeeping"),
                           ("客服组", "customer_service"), ("保安组", "security")):  # fmt: skip
            lines.append(f"team,{code},,,,,,,{team},{kind},,,,,")
        phone = 13700000000 + n * 100
        for worker in range(10):
            team, role = ("工程组", "technician") if worker < 7 else ("家政组", "housekeeper")
            lines.append(f"staff,{code},,,,师傅{n}-{worker},{phone + worker},{role},{team},,,,,,")
        lines.append(f"staff,{code},,,,客服{n},{phone + 20},dispatcher,客服组,,,,,,")
        lines.append(f"staff,{code},,,,主管{n},{phone + 21},supervisor,工程组,,,,,,")
        lines.append(f"staff,{code},,,,经理{n},{phone + 22},manager,,,,,,,")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class EstateData:
    id: int
    code: str
    units: list[int]
    teams: dict[str, int]
    workers: list[int]
    desk: int
    supervisor: int
    categories: dict[str, list[int]]
    residents: list[int]


class Rows:
    """The rows of each table, with the ids given here (copied as they are)."""

    def __init__(self) -> None:
        self.orders: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.callbacks: list[tuple[Any, ...]] = []
        self.event_id = 0

    def event(self, order_id: int, at: datetime, actor: int | None, action: str,
              before: str | None, after: str | None, note: str | None = None) -> None:  # fmt: skip
        self.event_id += 1
        self.events.append((self.event_id, order_id, at, actor, action, before, after, note))


ORDER_COLUMNS = (
    "id", "estate_id", "number", "kind", "category_id", "unit_id", "place", "description",
    "priority", "status", "reporter_id", "assignee_id", "team_id", "wants_phone_callback", "fee",
    "created_at", "updated_at", "due_at", "escalated", "overdue_stage", "work_done",
    "fee_collected_by", "fee_collected_at", "incident_id",
)  # fmt: skip
EVENT_COLUMNS = ("id", "order_id", "at", "actor_id", "action", "from_status", "to_status", "note")
CALLBACK_COLUMNS = (
    "id", "order_id", "round", "status", "phone", "phone_tries", "due_at", "asked_at",
    "satisfied", "speed", "attitude", "quality", "comment_done", "by_phone", "answered_at",
)  # fmt: skip


def one_order(
    rows: Rows, rng: random.Random, order_id: int, estate: EstateData, created: datetime,
    number: str, now: datetime,
) -> None:  # fmt: skip
    """One order and its timeline, as the life cycle would have written it."""
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    choices = estate.categories.get(str(kind)) or [None]
    category = rng.choice(choices)
    team = estate.teams["家政组" if kind is OrderKind.HOUSEKEEPING else
                        "客服组" if kind in (OrderKind.COMPLAINT, OrderKind.INQUIRY,
                                           OrderKind.PRAISE) else "工程组"]  # fmt: skip
    reporter = rng.choice(estate.residents)
    worker = rng.choice(estate.workers)
    S = OrderStatus
    status, at, assignee, fee, collected_by, collected_at = (
        S.REGISTERED,
        created,
        None,
        None,
        None,
        None,
    )
    rows.event(order_id, at, reporter, "register", None, str(S.REGISTERED))
    fate = rng.random()

    def step(minutes: tuple[int, int], actor: int | None, action: str, after: S | None,
             note: str | None = None) -> bool:  # fmt: skip
        nonlocal status, at
        moment = at + rng.randint(*minutes) * MIN
        if moment > now:
            return False
        at = moment
        rows.event(order_id, at, actor, action, str(status), str(after or status), note)
        if after is not None:
            status = after
        return True

    if fate < 0.02:
        step((5, 60), estate.desk, "refuse", S.REFUSED, "not our service")
    elif fate < 0.05:
        step((10, 600), reporter, "cancel", S.CANCELLED)
    else:
        if rng.random() < 0.12:  # waited past the dispatch limit
            step((31, 40), None, "remind", None, "overdue: registered")
            if rng.random() < 0.3:
                step((30, 40), None, "escalate", None, "overdue: registered")
        if step((5, 60), estate.desk, "dispatch", S.DISPATCHED) and step(
            (5, 40), worker, "accept", S.ACCEPTED
        ):
            assignee = worker
            if rng.random() < 0.08:
                step((120, 200), None, "remind", None, "overdue: accepted")
            if step((30, 300), worker, "arrive", S.ON_SITE) and step(
                (20, 400), worker, "complete", S.COMPLETED
            ):
                if (
                    kind in (OrderKind.IN_HOME_REPAIR, OrderKind.HOUSEKEEPING)
                    and rng.random() < 0.4
                ):
                    fee = Decimal(rng.choice((20, 30, 50, 80, 120, 200)))
                    collected_by = worker if fee < 100 else estate.supervisor
                    collected_at = at + rng.randint(0, 600) * MIN
                    if collected_at > now:
                        collected_by = collected_at = None
                    else:
                        rows.event(order_id, collected_at, collected_by, "collect_fee", None, None)
                if step((60, 2880), reporter, "confirm", S.CONFIRMED):
                    called_back(rows, rng, order_id, estate, kind, reporter, step, lambda: at)
    rows.orders.append((
        order_id, estate.id, number, str(kind), category,
        rng.choice(estate.units) if kind is not OrderKind.PUBLIC_REPAIR else None,
        "3栋电梯" if kind is OrderKind.PUBLIC_REPAIR else None, "生成的工单",
        "urgent" if rng.random() < 0.05 else "normal", str(status), reporter, assignee, team,
        False, fee, created, at, None, False, 0, None, collected_by, collected_at, None,
    ))  # fmt: skip


def called_back(rows, rng, order_id, estate, kind, reporter, step, now_at) -> None:
    """The callback after the confirmation: asked, answered (nine in ten satisfied); satisfied
    closes the order, not satisfied reopens it (and it is not done again here)."""
    if kind in (OrderKind.INQUIRY, OrderKind.PRAISE):
        step((0, 0), None, "close", OrderStatus.CLOSED, "no callback for this kind")
        return
    asked = now_at()
    if not step((600, 5760), reporter, "call_back", OrderStatus.CALLED_BACK):
        return
    satisfied = rng.random() < 0.9
    rows.callbacks.append((
        len(rows.callbacks) + 1, order_id, 1, "answered", False, 0, asked, asked, satisfied,
        rng.randint(3, 5), rng.randint(3, 5), rng.randint(2, 5), True, False, now_at(),
    ))  # fmt: skip
    if satisfied:
        step((0, 1), None, "close", OrderStatus.CLOSED, "satisfied")
    else:
        step((0, 1), None, "reopen", OrderStatus.REGISTERED, "not satisfied")


def spread(total: int, months: int, until: date, rng: random.Random) -> Iterator[datetime]:
    """`total` registration moments over the `months` months before `until`, in order."""
    start = datetime.combine(until, datetime.min.time(), UTC) - timedelta(days=30 * months)
    span = (datetime.combine(until, datetime.min.time(), UTC) - start).total_seconds()
    moments = sorted(rng.random() * span for _ in range(total))
    for seconds in moments:
        yield start + timedelta(seconds=seconds)


async def load_estates(factory: UnitOfWorkFactory, extra: int) -> list[EstateData]:
    async with factory() as uow:
        await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
        if extra:
            await importer.import_csv(uow, estates_csv(extra))
        await uow.commit()
    found = []
    async with factory() as uow:
        for estate in await uow.session.scalars(select(Estate).order_by(Estate.id)):
            units = list(await uow.session.scalars(
                select(Unit.id).join(Building, Building.id == Unit.building_id)
                .where(Building.estate_id == estate.id)
            ))  # fmt: skip
            teams = {t.name: t.id for t in await uow.session.scalars(
                select(Team).where(Team.estate_id == estate.id))}  # fmt: skip
            roles = (await uow.session.execute(
                select(StaffRole.role, StaffRole.person_id).where(StaffRole.estate_id == estate.id)
            )).all()  # fmt: skip
            categories: dict[str, list[int]] = {}
            for c in await uow.session.scalars(
                select(Category).where(Category.estate_id == estate.id)
            ):
                categories.setdefault(c.kind, []).append(c.id)
            workers = [p for r, p in roles if r in ("technician", "housekeeper")]
            found.append(
                EstateData(
                    estate.id, estate.code, units, teams, workers,
                    next(p for r, p in roles if r == "dispatcher"),
                    next(p for r, p in roles if r == "supervisor"), categories, [],
                )
            )  # fmt: skip
    return found


async def generate(url: str, schema: str, orders: int, residents: int, estates: int,
                   months: int, until: date, seed: int) -> dict[str, float]:  # fmt: skip
    """Makes the schema and fills it; returns seconds per phase."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    began = time.perf_counter()
    admin = create_engine(url)
    async with admin.begin() as connection:
        await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    scoped = make_url(url).update_query_dict({SCHEMA_PARAM: schema}).render_as_string(False)
    engine = create_engine(scoped)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    cipher = Cipher(KEY)
    now = datetime.combine(until, datetime.min.time(), UTC)
    factory = UnitOfWorkFactory(session_factory(engine), FakeClock(now), cipher)
    data = await load_estates(factory, estates - 1)
    timings["estates (importer)"] = time.perf_counter() - began

    began = time.perf_counter()
    async with engine.connect() as connection:
        first_id = (
            await connection.execute(text("SELECT coalesce(max(id), 0) FROM people"))
        ).scalar_one()
    people_rows = []
    for n in range(residents):
        person_id = first_id + 1 + n
        phone = f"139{n:08d}"
        name = rng.choice(SURNAMES) + rng.choice(("先生", "女士", "小姐", "太太"))
        people_rows.append(
            (person_id, cipher.encrypt(name), cipher.encrypt(phone), cipher.phone_hash(phone), now)
        )
        data[n % len(data)].residents.append(person_id)
    columns = ("id", "name_enc", "phone_enc", "phone_hash", "created_at")
    await copy(engine, schema, "people", columns, people_rows)
    timings["residents (encrypted, COPY)"] = time.perf_counter() - began

    began = time.perf_counter()
    rows = Rows()
    daily: dict[tuple[int, date], int] = {}
    for order_id, created in enumerate(spread(orders, months, until, rng), start=1):
        estate = data[order_id % len(data)]
        day = created.date()
        daily[(estate.id, day)] = sequence = daily.get((estate.id, day), 0) + 1
        number = f"{estate.code}-{day:%Y%m%d}-{sequence:05d}"
        one_order(rows, rng, order_id, estate, created, number, now)
    timings["orders generated in Python"] = time.perf_counter() - began

    began = time.perf_counter()
    # Indexes are built once at the end, not row by row during the COPY.
    bulk = [Base.metadata.tables[name] for name in ("orders", "order_events", "callbacks")]
    indexes = [index for table in bulk for index in table.indexes]
    async with engine.begin() as connection:
        for index in indexes:
            await connection.run_sync(index.drop)
    await copy(engine, schema, "orders", ORDER_COLUMNS, rows.orders)
    await copy(engine, schema, "order_events", EVENT_COLUMNS, rows.events)
    await copy(engine, schema, "callbacks", CALLBACK_COLUMNS, rows.callbacks)
    async with engine.begin() as connection:
        for index in indexes:
            await connection.run_sync(index.create)
    async with engine.begin() as connection:
        for table in ("people", "orders", "order_events", "callbacks"):
            await connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("people", "orders", "order_events", "callbacks", "units", "categories"):
            await connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    timings["COPY and ANALYZE"] = time.perf_counter() - began
    timings["rows: orders"] = len(rows.orders)
    timings["rows: events"] = len(rows.events)
    timings["rows: callbacks"] = len(rows.callbacks)
    await engine.dispose()
    return timings


async def copy(engine, schema: str, table: str, columns: tuple[str, ...], records: list) -> None:
    """PostgreSQL's COPY through asyncpg, in chunks (memory stays flat on the server side)."""
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        # The rows are consistent by construction: no foreign-key trigger per row (superuser).
        await raw.execute("SET session_replication_role = replica")
        for start in range(0, len(records), 200_000):
            await raw.copy_records_to_table(
                table, records=records[start : start + 200_000], columns=list(columns),
                schema_name=schema,
            )  # fmt: skip
        await raw.execute("SET session_replication_role = DEFAULT")
        await connection.commit()


# One fixed key, so that the benchmark (another process) reads the names it wrote.
KEY = "YmVuY2gtcmVwb3J0LWRhdGEta2V5LW5vdC1zZWNyZXQ="


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--schema", default="bench_reports")
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--estates", type=int, default=5, help="the sample estate BX and more")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--until", default="2026-12-01", help="the data ends the day before")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    began = time.perf_counter()
    timings = asyncio.run(
        generate(args.database, args.schema, args.orders, args.residents, args.estates,
                 args.months, date.fromisoformat(args.until), args.seed)
    )  # fmt: skip
    for what, value in timings.items():
        print(f"{what:32} {value:12,.1f}")
    print(f"{'total seconds':32} {time.perf_counter() - began:12,.1f}")


if __name__ == "__main__":
    main()
