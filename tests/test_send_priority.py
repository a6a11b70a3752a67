"""Answers to people talking to the bot go before claimed messages at the overall limit: a
broadcast's backlog waiting at the limiter lets an answer through after at most one of its own
(it took 1.6 s and up to 5.6 s at 3,000 recipients before; bench/RESULTS.md)."""

from __future__ import annotations

import asyncio

from bot.runtime.sender import RateLimits, SendRates


async def test_an_answer_goes_before_the_claimed_backlog() -> None:
    limits = RateLimits(SendRates(per_second=50))
    order: list[str] = []
    burst_spent = asyncio.Event()

    async def claimed(n: int) -> None:
        await limits.overall_turn(answer=False)
        order.append(f"claimed {n}")
        if len(order) == 50:
            burst_spent.set()

    backlog = [asyncio.create_task(claimed(n)) for n in range(80)]
    await burst_spent.wait()  # the limiter's burst is spent; thirty wait
    waited_behind = len(order)
    await limits.overall_turn(answer=True)
    order.append("answer")
    await asyncio.gather(*backlog)
    assert order.index("answer") <= waited_behind + 1
    assert len(order) == 81  # and every claimed message went too
