"""What people type, as the desk reads it: invisible-only text is no description, control and
bidi characters never reach another person's screen, a description sent in pieces stays within
its limit."""

from __future__ import annotations

import pytest
from resident_steps import start_repair, tap

from sandbox.world import World

ASK_AGAIN = {"zh-hans": "描述", "zh-hant": "描述"}


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_invisible_text_is_no_description_and_controls_are_dropped(
    world: World, lang: str
) -> None:
    resident = await world.resident("赵", lang)
    await start_repair(resident)
    await resident.send_text("\u200b\u200c\u200d\u2060\ufeff")
    again = await resident.next_message()
    assert ASK_AGAIN[lang] in again.body  # asked again: nothing was taken as the description
    await resident.send_text("厨房\x00漏水\x1b[31m了\u202e")
    taken = await resident.next_message()
    assert "完成" in taken.body  # "received; add photos or tap Done"
    async with world.uow as uow:
        from core.services import conversations, identities

        identity = await identities.touch(uow, "telegram", resident.id, resident.id, None)
        state = await conversations.load(uow, identity.id)
    assert state is not None and state.data["description"] == "厨房漏水了"


@pytest.mark.parametrize("lang", ["zh-hans"])
async def test_a_description_sent_in_pieces_stays_within_its_limit(world: World, lang: str) -> None:
    resident = await world.resident("赵", lang)
    await start_repair(resident)
    for _ in range(6):
        await resident.send_text("漏" * 999)
        await resident.next_message()
    async with world.uow as uow:
        from core.services import conversations, identities

        identity = await identities.touch(uow, "telegram", resident.id, resident.id, None)
        state = await conversations.load(uow, identity.id)
    assert state is not None and len(state.data["description"]) <= 1000


@pytest.mark.parametrize("lang", ["zh-hans"])
async def test_a_right_to_left_override_in_a_name_never_reaches_the_desk(
    world: World, lang: str
) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    stranger = world.emulator.create_user(first_name="\u202e王\u202c", language_code=lang)
    await stranger.send_command("start")
    await stranger.next_message()  # welcome
    buildings = await stranger.next_message()
    units = await tap(stranger, buildings, "1栋")
    relation = await tap(stranger, units, "101")
    await tap(stranger, relation, "业主")
    await stranger.send_contact("13912345678")
    await stranger.next_message()  # filed with the desk
    card = await dispatcher.next_message()
    assert "\u202e" not in card.body and "王" in card.body and "13912345678" in card.body
