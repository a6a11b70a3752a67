"""Shared steps of the callback tests: an order taken to its completion, the estate's callback
settings."""

from __future__ import annotations

from typing import Any

from staff_helpers import latest_order, person_of, press, report_leak

from bot.views.tell import tell
from core.services import callbacks, directory, jobs
from sandbox.world import World
from tg_emulator import SimUser


async def set_callbacks(world: World, **values: Any) -> None:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        await callbacks.configure(uow, estate.id, **values)
        await uow.commit()


async def completed_leak(world: World, resident: SimUser, dispatcher: SimUser, technician: SimUser):
    """The resident reports a leak, the desk dispatches it to 张师傅, who accepts, arrives and
    completes it; returns the resident's completion message (Confirm / Not solved)."""
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())
    await press(dispatcher, await dispatcher.next_message())  # 张师傅
    job = await technician.next_message()
    await resident.next_message()  # dispatched
    await press(technician, job)  # Accept
    await resident.next_message()  # accepted
    return await complete_again(world, resident, technician)


async def complete_again(world: World, resident: SimUser, technician: SimUser):
    """The accepted order's worker arrives and completes it (in core, news told); returns the
    resident's completion message."""
    worker = await person_of(world, technician)
    order = await latest_order(world)
    async with world.uow as uow:
        await jobs.arrive(uow, order.id, worker)
        await jobs.complete(
            uow, order.id, worker, jobs.CompletionReport("更换软管", after=("photo-1",))
        )
        await tell(uow, world.core.config)
        await uow.commit()
    await resident.next_message()  # arrived
    return await resident.next_message()  # completed: Confirm / Not solved
