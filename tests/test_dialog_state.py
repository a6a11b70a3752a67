"""A dialog's state is saved as the update left it, however the reply's statement carried it.

On PostgreSQL the state changed before a reply is written by the reply's own statement
(bot.conversation.context); these check that what the handler did after the reply still counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from bot.conversation.context import BotConfig, Context
from bot.conversation.events import Inbound, Kind
from bot.runtime.pipeline import Pipeline
from core.services import conversations
from core.services.conversations import DialogState
from core.uow import UnitOfWorkFactory

USER = 4711
_update_ids = itertools.count(1)


async def _handle(uows: UnitOfWorkFactory, run: Callable[[Context], Awaitable[None]]) -> int:
    """Handles one text update from USER with `run`; the sender's identity id."""
    seen: list[int] = []

    async def handler(ctx: Context) -> None:
        seen.append(ctx.identity.id)
        await run(ctx)

    inbound = Inbound(
        platform="telegram", bot_id=1, update_id=next(_update_ids), kind=Kind.TEXT,
        user_id=USER, chat_id=USER, sent_at=uows.clock.now(), text="…",
    )  # fmt: skip
    handled = await Pipeline(uows, [], BotConfig()).handle(inbound, handler)
    assert not handled.duplicate and seen
    return seen[0]


async def _stored(uows: UnitOfWorkFactory, identity_id: int) -> DialogState | None:
    async with uows() as uow:
        return await conversations.load(uow, identity_id)


async def test_the_state_is_saved_as_the_update_left_it(uows: UnitOfWorkFactory) -> None:
    async def ask(ctx: Context) -> None:
        ctx.start_dialog("report", "category", {"estate_id": 1})
        await ctx.reply("Which?")

    identity = await _handle(uows, ask)
    stored = await _stored(uows, identity)
    assert stored is not None and (stored.dialog, stored.step) == ("report", "category")
    assert stored.data["estate_id"] == 1

    async def ask_then_change_in_place(ctx: Context) -> None:
        ctx.set_step("day")
        await ctx.reply("When?")
        assert ctx.state is not None
        ctx.state.data["slot"] = 3  # after the reply, in place, as some handlers do

    await _handle(uows, ask_then_change_in_place)
    stored = await _stored(uows, identity)
    assert stored is not None and stored.step == "day"
    assert stored.data["slot"] == 3

    async def ask_then_remember(ctx: Context) -> None:
        await ctx.reply("When?")
        ctx.remember(day="2026-11-24")  # after the reply, through the context

    await _handle(uows, ask_then_remember)
    stored = await _stored(uows, identity)
    assert stored is not None and (stored.data["day"], stored.data["slot"]) == ("2026-11-24", 3)

    async def change_step_after_reply(ctx: Context) -> None:
        ctx.remember(urgency="normal")
        await ctx.reply("Noted.")
        ctx.set_step("summary")

    await _handle(uows, change_step_after_reply)
    stored = await _stored(uows, identity)
    assert stored is not None and stored.step == "summary"
    assert stored.data["urgency"] == "normal"

    async def end_with_reply(ctx: Context) -> None:
        ctx.end_dialog()
        await ctx.reply("Registered.")

    await _handle(uows, end_with_reply)
    assert await _stored(uows, identity) is None


async def test_a_state_ended_after_the_reply_is_gone(uows: UnitOfWorkFactory) -> None:
    async def ask(ctx: Context) -> None:
        ctx.start_dialog("report", "category")
        await ctx.reply("Which?")

    identity = await _handle(uows, ask)

    async def reply_then_end(ctx: Context) -> None:
        ctx.set_step("day")
        await ctx.reply("Cancelled.")
        ctx.end_dialog()

    await _handle(uows, reply_then_end)
    assert await _stored(uows, identity) is None

    async def start_again_without_reply(ctx: Context) -> None:
        ctx.start_dialog("report", "home")

    await _handle(uows, start_again_without_reply)
    stored = await _stored(uows, identity)
    assert stored is not None and stored.step == "home"
