"""How answers leave: the handling of an update delivers its own answers once committed, never
ahead of an earlier message of the chat that is still waiting; an answer whose writer died is
sent by a claim once its lease runs out; a database connection lost under an update does not
lose the update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from resident_steps import drain
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock, FakeClock
from core.db import create_engine
from core.enums import OutboxStatus
from core.models import OutboxMessage
from core.services import outbox
from sandbox.world import World, running_world
from tg_emulator import Emulator, SimUser

from dbutil import BACKENDS, pg_base_url, temp_database

LANGUAGES = ["zh-hans", "zh-hant"]
MENU = {"zh-hans": "有什么可以为您服务", "zh-hant": "有什麼可以為您服務"}
SORRY = {"zh-hans": "出了点问题", "zh-hant": "出了點問題"}


@pytest.fixture
def lang(request: pytest.FixtureRequest, framework: str) -> str:
    """How answers leave does not depend on the script: each database and front end once, the
    two scripts shared between those four runs."""
    backend = request.node.callspec.params["db_url"]
    return "zh-hans" if (backend == "sqlite") == (framework == "aiogram") else "zh-hant"


async def statuses(world: World, chat_id: int) -> list[tuple[str, int]]:
    async with world.uow as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [(row.status, row.attempts) for row in rows]


async def until(condition, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def test_answers_are_sent_and_recorded_without_waiting_for_a_claim(
    world: World, lang: str
) -> None:
    user = await world.resident("钱", lang)
    await user.send_command("menu")
    assert MENU[lang] in (await user.next_message()).body
    # Every answer of the conversation went out once, and each is recorded as sent.
    await until(lambda: _all_sent(world, user.chat_id))
    rows = await statuses(world, user.chat_id)
    assert [attempts for _, attempts in rows] == [1] * len(rows)


async def settled_resident(world: World, name: str, lang: str) -> SimUser:
    """A bound resident whose welcome is sent and recorded: nothing of theirs is pending."""
    user = await world.resident(name, lang)
    await until(lambda: _all_sent(world, user.chat_id))
    return user


async def _all_sent(world: World, chat_id: int) -> bool:
    rows = await statuses(world, chat_id)
    return bool(rows) and all(status == OutboxStatus.SENT for status, _ in rows)


async def test_an_answer_waits_behind_an_earlier_message_that_is_retried(
    world: World, lang: str
) -> None:
    user = await settled_resident(world, "孙", lang)
    # A notice meets a server error and waits for its retry, two seconds later.
    world.emulator.set_faults("5xx", share=1.0, seconds=0.5, methods=["sendMessage"])
    async with world.uow as uow:
        await outbox.enqueue(uow, user.chat_id, {"text": "停水通知：明天 9:00–12:00"})
        await uow.commit()
    assert world.core.pipeline.sender is not None
    world.core.pipeline.sender.wake()

    async def refused_once() -> bool:
        rows = await statuses(world, user.chat_id)
        return rows[-1] == (OutboxStatus.PENDING, 1)

    await until(refused_once)
    await asyncio.sleep(0.6)  # the fault is over: an answer now could go at once
    await user.send_command("menu")
    first, second = await user.next_message(timeout=10), await user.next_message(timeout=10)
    assert first.body == "停水通知：明天 9:00–12:00"  # the notice first, as it was written first
    assert MENU[lang] in second.body


async def test_an_answer_whose_writer_died_is_sent_when_its_lease_runs_out(
    world: World, lang: str
) -> None:
    user = await settled_resident(world, "李", lang)
    # A writer leased its answer and died after committing, before handing it over.
    async with world.uow as uow:
        lease = outbox.WriterLease(until=Clock().now() + timedelta(seconds=1))
        outbox.lease_to_writer(uow, lease)
        await outbox.enqueue(uow, user.chat_id, {"text": "您的报修已登记"})
        await uow.commit()
    assert [item.chat_id for item in lease.items] == [user.chat_id]
    assert await drain(user, quiet=0.7) == []  # nothing is sent while the lease holds
    # The sender looks again at least every second; the lease is over by then.
    message = await user.next_message(timeout=5)
    assert message.body == "您的报修已登记"
    await until(lambda: _all_sent(world, user.chat_id))
    assert (await statuses(world, user.chat_id))[-1] == (OutboxStatus.SENT, 2)


async def test_a_lane_that_fails_leaves_its_answers_to_the_claims(
    world: World, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await settled_resident(world, "郑", lang)
    sender = world.core.pipeline.sender
    assert sender is not None
    monkeypatch.setattr(sender, "lease", timedelta(seconds=1))
    send_one = sender._send_one
    calls = 0

    async def broken_once(item: outbox.OutboxItem):  # a bug in the lane, once
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug in the lane")
        return await send_one(item)

    monkeypatch.setattr(sender, "_send_one", broken_once)
    await user.send_command("menu")
    answer = await user.next_message(timeout=5)  # sent by a claim once the lease ran out
    assert MENU[lang] in answer.body
    await until(lambda: _all_sent(world, user.chat_id))
    assert sender._held == {}  # nothing is held for ever


# ------------------------------------------------------------------ lost connections


@pytest.fixture(params=[BACKENDS[1]])
async def pg_world(
    request: pytest.FixtureRequest, tmp_path: Path, framework: str, emulator: Emulator
) -> AsyncIterator[World]:
    """A running bot on PostgreSQL only: SQLite has no connection to lose."""
    async with (
        temp_database(request.param, tmp_path) as url,
        running_world(url, clock=FakeClock(), emulator=emulator, framework=framework) as world,
    ):
        yield world
    emulator.assert_no_violations()


async def kill_pooled_connections(engine: AsyncEngine) -> int:
    """Terminates, server-side, every connection resting in the engine's pool (as a database
    restart would), and returns how many there were."""
    resting = engine.pool.checkedin()  # type: ignore[attr-defined]
    connections = [await engine.connect() for _ in range(resting)]
    pids = [await c.scalar(text("SELECT pg_backend_pid()")) for c in connections]
    for connection in connections:
        await connection.close()  # back into the pool, alive as far as the pool knows
    base = pg_base_url()
    assert base is not None
    admin = create_engine(base)
    try:
        async with admin.begin() as connection:
            for pid in pids:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()
    return len(pids)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_update_under_which_the_connection_died_is_handled_all_the_same(
    pg_world: World, lang: str
) -> None:
    user = await settled_resident(pg_world, "周", lang)
    assert await kill_pooled_connections(pg_world.runtime.engine) >= 1
    await user.send_command("menu")
    reply = await user.next_message(timeout=10)
    assert MENU[lang] in reply.body and SORRY[lang] not in reply.body
    await until(lambda: _all_sent(pg_world, user.chat_id))
