"""The flood guard (bot/runtime/flood.py): a burst passes, past it one notice, then silence
until the chat slows down; chats are independent and the memory is bounded."""

from __future__ import annotations

from bot.runtime.flood import FloodGuard, Verdict


def test_a_burst_passes_then_one_notice_then_drops_until_the_chat_slows() -> None:
    guard = FloodGuard(burst=5, window=10.0)
    verdicts = [guard.check(1, 0.1 * i) for i in range(8)]
    assert verdicts == [Verdict.HANDLE] * 5 + [Verdict.NOTICE, Verdict.DROP, Verdict.DROP]
    assert guard.check(2, 0.8) is Verdict.HANDLE  # somebody else is not slowed
    assert guard.check(1, 30.0) is Verdict.HANDLE  # quiet for a window: read again
    assert [guard.check(1, 30.0 + 0.1 * i) for i in range(1, 6)][-1] is Verdict.NOTICE


def test_memory_is_bounded() -> None:
    guard = FloodGuard(burst=5, window=10.0, max_chats=100)
    for chat in range(1000):
        guard.check(chat, 1.0)
    assert len(guard._seen) == 100
