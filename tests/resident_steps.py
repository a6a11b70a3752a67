"""Small steps the resident end-to-end tests share (not a test module)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from core.i18n import in_simplified
from core.services import identities
from sandbox.world import World
from tg_emulator import SimUser
from tg_emulator.transcript import TranscriptMessage


def button(message: TranscriptMessage, *texts: str) -> str:
    """The callback data of the first button whose label contains one of `texts` (estate data
    such as 1栋 is shown in the reader's script, so labels are compared in Simplified)."""
    for row in message.buttons:
        for each in row:
            if any(in_simplified(text) in in_simplified(each["text"]) for text in texts):
                return each["callback_data"]
    raise AssertionError(f"no button {texts} in {message.buttons}")


async def tap(user: SimUser, message: TranscriptMessage, *texts: str) -> TranscriptMessage:
    await user.press(message.message_id, button(message, *texts))
    return await user.next_message()


async def edit_by(user: SimUser, message_id: int, press: Awaitable[object]) -> TranscriptMessage:
    """The message as a press edits it. The edit and the answer to the press travel apart, so
    the edit may come first: the wait starts before the press."""
    edited = asyncio.ensure_future(user.wait_edit(message_id))
    await asyncio.sleep(0)  # the wait has seen the message as it was
    await press
    return await edited


async def forge_press(world: World, user: SimUser, message_id: int, data: str) -> None:
    """A press with callback data the message never offered, as a modified client could send."""
    conversation, _ = user._conversation(None, None)
    stored = conversation.get(message_id)
    assert stored is not None
    await world.emulator._press(user, world.emulator.default_bot, stored, data, 5.0)


async def person_of(world: World, user: SimUser) -> int | None:
    async with world.uow as uow:
        identity = await identities.touch(uow, "telegram", user.id, user.id, None)
        return identity.person_id


async def start_repair(user: SimUser) -> TranscriptMessage:
    """From the main menu to the description question of an in-home water repair."""
    await user.send_command("menu")
    menu = await user.next_message()
    where = await tap(user, menu, "报修", "報修")
    category = await tap(user, where, "家中")
    return await tap(user, category, "水")


async def drain(user: SimUser, quiet: float = 0.7) -> list[TranscriptMessage]:
    """Every bot message until the chat has been quiet for `quiet` seconds."""
    from tg_emulator.errors import NoMessageError

    messages = []
    while True:
        try:
            messages.append(await user.next_message(timeout=quiet))
        except NoMessageError:
            return messages
