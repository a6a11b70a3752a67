"""The bot dies with an update in its hands: the update is handled once the bot is back.

An update is acknowledged to Telegram (the next getUpdates offset, the webhook's HTTP answer)
only once it is durably recorded, so a crash before the handling commits loses nothing: the
next process handles it, once, and the resident's answers are not sent twice.

The crash: the handling of the resident's Confirm stops for good just before its commit (as a
killed process would), then the bot's tasks are cancelled and a new bot starts on the same
database and the same Bot API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from resident_steps import button, drain, start_repair, tap
from sqlalchemy import func, select

from bot.conversation.context import Context
from core.clock import FakeClock
from core.models import Order
from core.services import updates
from sandbox.world import World, running_world
from tg_emulator import Emulator, SimUser
from tg_emulator.transcript import TranscriptMessage


@pytest.fixture(params=["polling", "webhook"])
async def any_world(
    request: pytest.FixtureRequest,
    db_url: str,
    clock: FakeClock,
    framework: str,
    emulator: Emulator,
) -> AsyncIterator[World]:
    webhook = request.param == "webhook"
    async with running_world(
        db_url, clock=clock, framework=framework, emulator=emulator, webhook=webhook
    ) as world:
        yield world


async def _at_the_summary(user: SimUser) -> TranscriptMessage:
    await start_repair(user)
    await user.send_text("厨房水管漏水了")
    day = await tap(user, await user.next_message(), "完成")
    slot = await tap(user, day, day.buttons[0][0]["text"])
    urgencies = await tap(user, slot, slot.buttons[0][0]["text"])
    return await tap(user, urgencies, "一般")


class Crash:
    """The handling of the press with `payload` stops for good before its commit."""

    def __init__(self, world: World, payload: str) -> None:
        self.world = world
        self.reached = asyncio.Event()
        self.doomed: asyncio.Task[object] | None = None
        pipeline = world.core.pipeline
        finish = pipeline.finish

        async def finish_or_die(ctx: Context) -> None:
            if ctx.inbound.payload == payload:
                self.doomed = asyncio.current_task()
                self.reached.set()
                await asyncio.Event().wait()  # never set: the process is gone
            await finish(ctx)

        pipeline.finish = finish_or_die  # type: ignore[method-assign]

    async def kill(self) -> None:
        """Once the handling stands before its commit: it ends (its transaction with it, as
        when the process dies), then the rest of the bot."""
        await self.reached.wait()
        assert self.doomed is not None
        self.doomed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.doomed
        await self.world.stop_bot()


async def _orders(world: World) -> int:
    async with world.uow as uow:
        return await uow.session.scalar(select(func.count()).select_from(Order)) or 0


async def _only_number(world: World) -> str:
    async with world.uow as uow:
        return (await uow.session.scalars(select(Order.number))).one()


async def test_a_confirm_in_flight_at_a_crash_registers_the_order_once_after_restart(
    any_world: World,
) -> None:
    world = any_world
    user = await world.resident("钱")
    summary = await _at_the_summary(user)
    confirm = button(summary, "确认")
    crash = Crash(world, confirm)
    before = user.transcript()
    assert before[-1].message_id == summary.message_id

    pressed = asyncio.create_task(user.press(summary.message_id, confirm, timeout=15))
    async with asyncio.timeout(10):
        await crash.kill()  # nothing of the handling was committed
    assert await _orders(world) == 0

    async with asyncio.timeout(20):
        world.core = type(world.core).build(world.runtime)
        world.start_bot()
        await world.started()
        menu = await user.next_message(timeout=10)  # the Confirm, handled by the new bot
    assert menu.buttons
    await pressed
    assert await drain(user, quiet=1.0) == []
    assert await _orders(world) == 1
    after = user.transcript()
    confirmed = after[len(before) - 1]
    assert confirmed.message_id == summary.message_id
    # The number the dead handling had taken is a gap on PostgreSQL (taken outside its
    # transaction, core/services/orders.py): the resident is told the order's own.
    assert confirmed.edited and await _only_number(world) in confirmed.body
    # Every answer once: what came before the crash is not sent again, the Confirm's menu once.
    assert [m.message_id for m in after] == [m.message_id for m in before] + [menu.message_id]
    world.emulator.assert_no_violations()


async def test_an_update_the_database_would_not_record_is_not_acknowledged(
    any_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram keeps it (no next offset; the webhook answers 503) and it comes again."""
    world = any_world
    user = await world.resident("孙")
    record = updates.record
    refused = 0

    async def refuse_once(*args: Any, **kwargs: Any) -> set[int]:
        nonlocal refused
        if not refused:
            refused += 1
            raise RuntimeError("the database is down")
        return await record(*args, **kwargs)

    monkeypatch.setattr(updates, "record", refuse_once)
    await user.send_command("menu")
    menu = await user.next_message(timeout=10)
    assert menu.buttons
    assert refused == 1
    assert await drain(user, quiet=0.5) == []
    if world.webhook:
        webhook = world.emulator.default_bot.webhook
        assert webhook is not None and "503" in (webhook.last_error_message or "")
