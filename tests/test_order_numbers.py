"""Readable order numbers: unique per estate and day, also when orders arrive at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import OrderKind
from core.lifecycle import Actor
from core.models import Base
from core.services import directory, orders
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory

from dbutil import BACKENDS, temp_database


@pytest.fixture
async def uows(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    async with _factory(db_url) as factory:
        yield factory


@pytest.fixture(params=[backend for backend in BACKENDS if backend != "sqlite"])
async def pg_uows(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[UnitOfWorkFactory]:
    """PostgreSQL only: SQLite has one writer, which serialises every registration by design."""
    async with temp_database(request.param, tmp_path) as url, _factory(url) as factory:
        yield factory


@asynccontextmanager
async def _factory(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(db_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    clock = FakeClock(datetime(2026, 11, 23, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    yield UnitOfWorkFactory(session_factory(engine), clock, Cipher(new_key()))
    await engine.dispose()


async def register(uows: UnitOfWorkFactory, estate_id: int) -> str:
    async with uows() as uow:
        order = await orders.register(
            uow, NewOrder(estate_id, OrderKind.INQUIRY, "您好", None), Actor.system()
        )
        await uow.commit()
        return order.number


async def test_numbers_are_unique_under_concurrency_and_restart_each_local_day(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as uow:
        estate = await directory.create_estate(uow, "BX", "碧溪花园")
        await uow.commit()
    numbers = await asyncio.gather(*(register(uows, estate.id) for _ in range(8)))
    assert sorted(numbers) == [f"BX-20261123-{n:04d}" for n in range(1, 9)]
    uows.clock.advance(timedelta(minutes=2))  # past midnight in Shanghai
    assert await register(uows, estate.id) == "BX-20261124-0001"


async def test_a_registration_never_waits_for_another_still_open(
    pg_uows: UnitOfWorkFactory,
) -> None:
    """The first registration holds its transaction open while the second one commits: the
    day's counter is not locked until the first commits. lock_timeout: a regression fails at
    once instead of hanging."""
    uows = pg_uows
    async with uows() as uow:
        estate = await directory.create_estate(uow, "BX", "碧溪花园")
        await uow.commit()
    new = NewOrder(estate.id, OrderKind.INQUIRY, "您好", None)
    async with asyncio.timeout(20), uows() as first:
        await first.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        held = await orders.register(first, new, Actor.system())  # not committed yet
        async with uows() as second:
            await second.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            second_number = (await orders.register(second, new, Actor.system())).number
            await second.commit()
        await first.commit()
    assert {held.number, second_number} == {"BX-20261123-0001", "BX-20261123-0002"}


async def test_a_rolled_back_registration_leaves_at_most_a_gap(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        estate = await directory.create_estate(uow, "BX", "碧溪花园")
        await uow.commit()
    async with uows() as uow:
        await orders.register(
            uow, NewOrder(estate.id, OrderKind.INQUIRY, "您好", None), Actor.system()
        )  # and never committed
    later = await register(uows, estate.id)
    assert later in ("BX-20261123-0001", "BX-20261123-0002")  # SQLite: no gap; PostgreSQL: one
