"""A person sending far faster than anyone types (a script, a stuck key) is slowed down: past a
burst in a short window, they get one polite notice and their updates are recorded but not
handled until they slow down; nobody else waits for them.

Kept in memory on purpose: it protects this process's time, a restart forgetting it costs
nothing, and it holds at most a bounded number of chats.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from enum import StrEnum

WINDOW_SECONDS = 10.0
BURST = 20  # updates in a window: an album of ten photos and some taps pass easily
MAX_CHATS = 10_000


class Verdict(StrEnum):
    HANDLE = "handle"
    NOTICE = "notice"  # the first update past the limit: told once to slow down
    DROP = "drop"


class FloodGuard:
    def __init__(
        self, burst: int = BURST, window: float = WINDOW_SECONDS, max_chats: int = MAX_CHATS
    ) -> None:
        self.burst = burst
        self.window = window
        self.max_chats = max_chats
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()
        self._told: set[int] = set()

    def check(self, chat_id: int, now: float) -> Verdict:
        """`now`: seconds on a monotonic clock."""
        times = self._seen.pop(chat_id, None) or deque()
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        self._seen[chat_id] = times  # the most recently seen last
        while len(self._seen) > self.max_chats:
            oldest, _ = self._seen.popitem(last=False)
            self._told.discard(oldest)
        if len(times) <= self.burst:
            self._told.discard(chat_id)
            return Verdict.HANDLE
        if chat_id in self._told:
            return Verdict.DROP
        self._told.add(chat_id)
        return Verdict.NOTICE
