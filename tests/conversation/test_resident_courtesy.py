"""Courtesy (seed 001): a late answer apologises; a holiday's first reply greets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.events import Inbound, Kind
from sandbox.world import World


@pytest.mark.parametrize(("language_code", "festival"), [("zh-hans", "春节"), ("zh-hant", "春節")])
async def test_spring_festival_greeting_once_a_day(world: World, language_code, festival) -> None:
    user = await world.resident("赵", language_code)
    world.clock.set(datetime(2027, 2, 6, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, 正月初一
    await user.send_command("menu")
    first = await user.next_message()
    assert festival in first.body
    assert "抱歉" not in first.body  # the domain clock's leap is not lateness
    await user.send_command("menu")
    second = await user.next_message()
    assert festival not in second.body
    world.clock.set(datetime(2027, 2, 12, 2, 0, tzinfo=UTC))  # an ordinary working day
    await user.send_command("menu")
    assert festival not in (await user.next_message()).body


@pytest.mark.parametrize(
    ("language_code", "festival"), [("zh-hans", "中秋节"), ("zh-hant", "中秋節")]
)
async def test_mid_autumn_greeting(world: World, language_code, festival) -> None:
    user = await world.resident("钱", language_code)
    world.clock.set(datetime(2027, 9, 15, 1, 0, tzinfo=UTC))
    await user.send_command("menu")
    assert festival in (await user.next_message()).body


@pytest.mark.parametrize(("language_code", "sorry"), [("zh-hans", "抱歉"), ("zh-hant", "抱歉")])
async def test_late_update_apologises(world: World, language_code, sorry) -> None:
    """At the pipeline: an update queued for five minutes (an outage) is answered with an
    apology, judged on the wall clock even though the domain clock is years away."""
    user = await world.resident("孙", language_code)
    world.clock.set(datetime(2030, 1, 7, 2, 0, tzinfo=UTC))
    pipeline = world.core.pipeline
    base = {
        "platform": "telegram",
        "bot_id": 123456,
        "kind": Kind.COMMAND,
        "user_id": user.id,
        "chat_id": user.id,
        "language_code": language_code,
        "text": "/menu",
        "command": "menu",
    }
    queued = datetime.now(UTC) - timedelta(minutes=5)
    await pipeline.process(Inbound(update_id=10**9, sent_at=queued, **base))
    late = await user.next_message()
    assert late.body.startswith(sorry)
    await pipeline.process(Inbound(update_id=10**9 + 1, sent_at=datetime.now(UTC), **base))
    assert not (await user.next_message()).body.startswith(sorry)
