"""A resident sending fifty messages at once is slowed: answered up to the burst, told once to
slow down, then not answered until they stop; another resident is answered meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.flood import BURST, FloodGuard
from sandbox.world import World

NOTICE = {"zh-hans": "太快", "zh-hant": "太快"}


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_flood_is_slowed_and_nobody_else_waits(world: World, lang: str) -> None:
    world.core.pipeline.flood = FloodGuard()  # the test world lets anyone tap fast: not here
    flooder = await world.resident("赵", lang)
    other = await world.resident("孙", lang, "2栋", "101")
    flooder.skip_messages()
    await asyncio.gather(*[flooder.send_text(f"第{i}条") for i in range(50)])
    await other.send_command("menu")
    assert (await other.next_message()).buttons  # the other resident's menu
    said: list[str] = []
    for _ in range(100):  # until the chat has been quiet for a second: the flood dealt with
        await asyncio.sleep(1.0)
        now = [m.body for m in flooder.visible_transcript() if m.from_bot]
        if now == said:
            break
        said = now
    notices = [text for text in said if NOTICE[lang] in text]
    assert len(notices) == 1, (len(said), said[-2:])
    assert len(said) <= BURST + 1
