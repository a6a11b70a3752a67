"""Conversation state lives in the database: a restart in the middle of a dialog loses nothing."""

from __future__ import annotations

import pytest

from sandbox.world import World


@pytest.mark.parametrize(
    ("language_code", "summary_word"), [("zh-hans", "请核对"), ("zh-hant", "請核對")]
)
async def test_a_report_survives_a_restart_of_the_bot(
    world: World, language_code: str, summary_word: str
) -> None:
    user = await world.resident("钱", language_code)
    menu = user.transcript()[-1]
    await user.press(menu.message_id, menu.buttons[0][0]["callback_data"])  # report a repair
    where = await user.next_message()
    await user.press(where.message_id, where.buttons[0][0]["callback_data"])  # in my home
    category = await user.next_message()
    await user.press(category.message_id, category.buttons[0][0]["callback_data"])
    await user.next_message()  # please describe

    await world.restart_bot()

    await user.send_text("卫生间灯不亮")
    done = await user.next_message()
    assert done.buttons, user.transcript()
    await user.press(done.message_id, done.buttons[0][0]["callback_data"])
    day = await user.next_message()
    await user.press(day.message_id, day.buttons[0][0]["callback_data"])
    slot = await user.next_message()
    await user.press(slot.message_id, slot.buttons[0][0]["callback_data"])
    urgency = await user.next_message()
    await user.press(urgency.message_id, urgency.buttons[0][0]["callback_data"])
    summary = await user.next_message()
    assert summary_word in summary.body
    assert "卫生间灯不亮" in summary.body
