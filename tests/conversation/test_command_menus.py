"""The "/" menu: the estate default for strangers, and each known person's own chat menu in
their script and for their roles."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.world import World


def chat_menu(world: World, chat_id: int) -> dict[str, str]:
    bot = world.emulator.default_bot
    for (scope, _language), commands in bot.commands.items():
        if str(chat_id) in scope:
            return {c["command"]: c["description"] for c in commands}
    return {}


async def wait_for_menu(world: World, chat_id: int) -> dict[str, str]:
    for _ in range(50):
        menu = chat_menu(world, chat_id)
        if menu:
            return menu
        await asyncio.sleep(0.05)
    return {}


async def test_strangers_get_the_default_menu(world: World) -> None:
    bot = world.emulator.default_bot
    for _ in range(50):
        if bot.commands:
            break
        await asyncio.sleep(0.05)
    defaults = {language: commands for (_scope, language), commands in bot.commands.items()}
    assert {"", "zh"} <= set(defaults)
    assert defaults["zh"][0]["command"] == "start"
    assert "邀请码" in defaults["zh"][0]["description"]


@pytest.mark.parametrize(
    ("language_code", "orders"), [("zh-hans", "我的工单"), ("zh-hant", "我的工單")]
)
async def test_a_bound_resident_gets_a_menu_in_their_script(
    world: World, language_code: str, orders: str
) -> None:
    user = await world.resident("孙", language_code)
    menu = await wait_for_menu(world, user.chat_id)
    assert menu["orders"] == orders
    assert "jobs" not in menu


async def test_staff_get_their_jobs_in_the_menu(world: World) -> None:
    worker = await world.staff_member("13800000001", "zh-hant")
    menu = await wait_for_menu(world, worker.chat_id)
    assert "jobs" in menu
    assert "orders" not in menu
