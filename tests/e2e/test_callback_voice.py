"""A spoken callback comment end to end, on both front ends: the resident answers the callback
with a voice message (read from Telegram's update with its length), the order reopens, and the
supervisor gets the voice itself, sent again by its file id, with the answers as its caption."""

from __future__ import annotations

import pytest
from callback_steps import completed_leak, set_callbacks
from staff_helpers import latest_order, press, press_text

from core.enums import OrderStatus
from core.services import callbacks, feedback
from core.services.feedback import Filter, Source
from sandbox.world import World

VOICE_LINE = {"zh-hans": "语音意见（0:07）", "zh-hant": "語音意見（0:07）"}


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_voice_comment_reaches_the_supervisor(world: World, lang: str) -> None:
    await set_callbacks(world, delay_hours=0)
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)  # Confirm completion
    await press(resident, await resident.next_message(), 0, 1)  # Not satisfied
    for score in ("3", "2", "2"):
        await press_text(resident, await resident.next_message(), score)
    await resident.next_message()  # the comment: written or spoken
    await resident.send_voice(duration=7)
    await resident.next_message()  # sorry, reopened

    order = await latest_order(world)
    assert order.status is OrderStatus.REGISTERED
    async with world.uow as uow:
        [kept] = await callbacks.of_order(uow, order.id)
        library = await feedback.search(uow, Filter(order.estate_id, source=Source.CALLBACK))
    assert kept.comment_voice_seconds == 7
    assert [(line.voice_ref, line.voice_seconds) for line in library.lines] == [
        (kept.comment_voice, 7)
    ]
    told = await supervisor.next_message()
    assert told.voice is not None and told.voice["file_id"] == kept.comment_voice
    assert order.number in told.body and VOICE_LINE[lang] in told.body
