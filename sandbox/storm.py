"""A fault storm on the emulator: Telegram failing, pausing the bot and answering slowly.

Over the storm: a share of all Bot API calls (10 %) answered 502; now and then a burst of 429s
with retry_after on the calls that post or edit messages; a share of calls slowed by a random
time in a range. In production that range was 1-45 s; the tests scale it down (0.1-1 s) and
keep its shape. Nothing is lost in a storm: the bot retries, waits out 429s, and each message is
delivered once, in its chat's order (tests/e2e/test_fault_storm.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tg_emulator import Emulator
from tg_emulator.limits import SENDING_METHODS

BURST_METHODS = sorted({*SENDING_METHODS, "editmessagetext", "editmessagereplymarkup"})


@dataclass(frozen=True)
class Storm:
    errors: float = 0.10  # share of calls answered 502
    slow: float = 0.25  # share of calls slowed
    latency: tuple[float, float] = (0.1, 1.0)  # seconds a slowed call takes
    burst_every: tuple[float, float] = (2.0, 6.0)  # seconds between bursts of 429
    burst_seconds: float = 0.5  # how long a burst lasts
    retry_after: int = 1  # what a 429 asks for


@contextlib.asynccontextmanager
async def fault_storm(
    emulator: Emulator, storm: Storm = Storm(), seed: int | None = None
) -> AsyncIterator[None]:
    rng = random.Random(seed)
    emulator.add_fault("5xx", share=storm.errors, status=502)
    emulator.add_fault("slow", share=storm.slow, delay=storm.latency[0], delay_max=storm.latency[1])

    async def bursts() -> None:
        while True:
            await asyncio.sleep(rng.uniform(*storm.burst_every))
            emulator.add_fault(
                "429",
                seconds=storm.burst_seconds,
                methods=BURST_METHODS,
                retry_after=storm.retry_after,
            )

    task = asyncio.create_task(bursts())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        emulator.clear_faults()
