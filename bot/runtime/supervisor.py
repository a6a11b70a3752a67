"""Background loops run under supervision: a crash is logged with its traceback and the loop
restarts after a pause, instead of a bare task dying silently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def supervise(name: str, loop: Callable[[], Awaitable[None]], pause: float = 1.0) -> None:
    while True:
        try:
            await loop()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background loop %s crashed; restarting in %.1fs", name, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 60)


async def run_all(loops: dict[str, Callable[[], Awaitable[None]]]) -> None:
    """Runs every loop until one finishes for good or the whole group is cancelled."""
    async with asyncio.TaskGroup() as group:
        for name, loop in loops.items():
            group.create_task(supervise(name, loop), name=name)
