"""Shared steps of the staff end-to-end tests: a resident's report, the desk, the worker."""

from __future__ import annotations

from core.services import directory, identities, orders
from sandbox.world import World
from tg_emulator import SimUser, TranscriptMessage


async def person_of(world: World, user: SimUser) -> int:
    async with world.uow as uow:
        identity = await identities.touch(uow, "telegram", user.id, user.id, None)
        assert identity.person_id is not None
        return identity.person_id


async def press(user: SimUser, message: TranscriptMessage, row: int = 0, col: int = 0) -> None:
    await user.press(message.message_id, message.buttons[row][col]["callback_data"])


async def press_text(user: SimUser, message: TranscriptMessage, *texts: str) -> None:
    for row in message.buttons:
        for button in row:
            if button["text"] in texts:
                await user.press(message.message_id, button["callback_data"])
                return
    raise AssertionError(f"no button {texts} in {message.buttons}")


async def report_leak(resident: SimUser) -> None:
    """The resident reports a leak in their home for today; the dialog's messages are read."""
    await resident.send_command("menu")
    menu = await resident.next_message()
    await press(resident, menu)  # Report a repair
    await press(resident, await resident.next_message())  # in my home
    await press(resident, await resident.next_message())  # first category
    await resident.next_message()
    await resident.send_text("厨房水管漏水了")
    await press(resident, await resident.next_message())  # Done
    await press(resident, await resident.next_message())  # today
    await press(resident, await resident.next_message())  # first slot
    await press(resident, await resident.next_message())  # normal urgency
    await press(resident, await resident.next_message())  # Confirm
    await resident.next_message()  # the menu


async def latest_order(world: World) -> orders.OrderView:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        from sqlalchemy import func, select

        from core.models import Order

        order_id = await uow.session.scalar(
            select(func.max(Order.id)).where(Order.estate_id == estate.id)
        )
        return await orders.get(uow, order_id)


async def add_technician(world: World, name: str, phone: str) -> None:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        team = await directory.get_team(uow, estate.id, "工程组")
        assert team is not None
        await directory.ensure_staff(uow, estate.id, name, phone, "technician", team.id)
        await uow.commit()


async def message_with(
    user: SimUser, message_id: int, text: str, chat=None, seconds: float = 5.0
) -> TranscriptMessage:
    """The message once its text holds `text` (an edit may land before or after we look)."""
    import asyncio

    for _ in range(int(seconds / 0.05)):
        for message in user.transcript(chat):
            if message.message_id == message_id and text in message.body:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} never showed {text!r}: {user.transcript(chat)}")
