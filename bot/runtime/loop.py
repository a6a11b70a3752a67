"""The event loop every `guanjia` command runs on."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop where it runs (not on Windows): libuv's event loop, in C, makes the
    bot's many socket writes and callbacks cheaper (about a tenth more updates a second in
    bench/RESULTS.md); aiogram recommends it. The tests run on it too (tests/conftest.py).

    SIGTERM (what systemd, docker stop and Kubernetes send) stops the program as Ctrl-C does:
    `main` is cancelled and cleans up, then the process exits with status 0. Without this,
    SIGTERM ended the process on the spot, as a crash does: the answers delivered in the last
    moments were not yet recorded as sent, and went out again after the restart."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_until_terminated(main))
    return uvloop.run(_until_terminated(main))


async def _until_terminated(main: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(main)
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        log.info("SIGTERM: stopping")
        terminated = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
        return await task
    try:
        return await task
    except asyncio.CancelledError:
        if terminated and task.cancelled():
            raise SystemExit(0) from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
