"""Readable order numbers: unique per estate and day, also when orders arrive at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import OrderKind
from core.lifecycle import Actor
from core.models import Base
from core.services import directory, orders
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory


@pytest.fixture
async def uows(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
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
