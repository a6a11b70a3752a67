"""Updates of one chat one after the other, in the order they came; different chats at once.

Both client libraries handle updates concurrently. Two updates of one chat handled at the same
time would each load the person's dialog, change it and save it, and the later save would undo
the earlier one: the seven photos of an album would leave one attachment. So each adapter takes
a chat's turn before handling an update. asyncio's locks wake waiters first come, first served,
and an update takes its place in line before its first await, so the order is the arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ChatTurns:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:  # an idle chat costs nothing
                del self._waiting[chat_id]
                del self._locks[chat_id]

    def __len__(self) -> int:
        """Chats with an update being handled or waiting."""
        return len(self._locks)
