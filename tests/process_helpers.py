"""One bot process's runtime on a test's database, as a second `guanjia run` would have it: its
own engine (connections, locks), the deployment's key."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from core.models import Base


@contextlib.asynccontextmanager
async def process_runtime(
    db_url: str, key: str, create: bool = False, token: str = "123456:PROCESS-test"
) -> AsyncIterator[Runtime]:
    """`create`: the schema too (the first process of a test)."""
    settings = Settings(database_url=db_url, bot_token=token, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, key=key)  # every process of one deployment has its key
    try:
        if create:
            async with runtime.engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        yield runtime
    finally:
        await runtime.close()


async def until(done: Callable[[], bool], seconds: float, what: str) -> None:
    """Polls `done` (a process of its own has no event to wait on) for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds}s: {what}")
        await asyncio.sleep(0.1)
