"""The event loop every `guanjia` command runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop where it runs (not on Windows): libuv's event loop, in C, makes the
    bot's many socket writes and callbacks cheaper (about a tenth more updates a second in
    bench/RESULTS.md); aiogram recommends it. The tests run on it too (tests/conftest.py)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
