"""Forged and outdated button payloads, as a modified client could send them: an unknown op on
every kind of order button, an id beyond 64 bits, a date that is no date, another person's
order. Each gets the one polite stale-button answer or a refusal; nothing changes."""

from __future__ import annotations

import pytest
from resident_steps import forge_press
from staff_helpers import latest_order, press, report_leak

from core.enums import OrderStatus
from sandbox.world import World

STALE = {"zh-hans": "这个按钮属于较早的消息", "zh-hant": "這個按鈕屬於較早的訊息"}


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_forged_ops_and_numbers_are_answered_like_a_stale_button(
    world: World, lang: str
) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    zhang = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    card = await dispatcher.next_message()
    order = await latest_order(world)
    await press(dispatcher, card)
    pick = await dispatcher.next_message()
    await press(dispatcher, pick)
    job = await zhang.next_message()
    await resident.next_message()  # given to a worker
    order = await latest_order(world)

    forged = {
        zhang: [
            (job.message_id, f"jb:{order.id}:zzz"),
            (job.message_id, f"jb:{order.id}:"),
            (job.message_id, f"jb:{'9' * 25}:accept"),
            (job.message_id, f"jb:{2**64}:accept"),
            (job.message_id, f"rb:{order.id}:2026-13-45:am"),
            (job.message_id, f"cj:1:{'x' * 40}"),
        ],
        dispatcher: [(card.message_id, f"dk:{order.id}:zzz"), (card.message_id, "dk:1")],
    }
    for user, presses in forged.items():
        for message_id, data in presses:
            answer_count = len(user.transcript())
            await forge_press(world, user, message_id, data)
            reply = await user.next_message()
            assert STALE[lang] in reply.body, (data, reply.body)
            assert len(user.transcript()) == answer_count + 1  # one answer, nothing else
    after = await latest_order(world)
    assert after.status is OrderStatus.DISPATCHED and after.assignee_id == order.assignee_id


@pytest.mark.parametrize("lang", ["zh-hans"])
async def test_a_grab_of_a_real_order_and_of_a_missing_one_read_the_same(
    world: World, lang: str
) -> None:
    """A forged grab learns nothing about which order ids exist."""
    zhang = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    order = await latest_order(world)
    await zhang.send_command("jobs")
    menu = await zhang.next_message()
    answers = []
    for order_id in (order.id, order.id + 1000):
        await forge_press(world, zhang, menu.message_id, f"jb:{order_id}:grab")
        answers.append((await zhang.next_message()).body)
    assert answers[0] == answers[1]
    assert (await latest_order(world)).status is OrderStatus.REGISTERED
