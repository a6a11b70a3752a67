"""A callback's comment spoken as a voice message reaches the supervisor as the voice itself;
a special event marked from the order's card by a manager, refused to a worker and a resident,
its report written by the manager in chat and read by the supervisor; a spot-checked home
service on the customer-service desk's morning phone list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from callback_steps import completed_leak, set_callbacks
from resident_steps import forge_press
from staff_helpers import latest_order, person_of, press, press_text, report_leak

from core.enums import OrderKind, OrderStatus
from core.lifecycle import Actor
from core.models import Estate, Order
from core.services import callbacks, directory, jobs, orders, special_events
from core.services.orders import NewOrder
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "voice_prompt": "发送语音",
        "sorry": "歉意",
        "voice_line": "语音意见（0:12）",
        "mark": "标为特殊事件",
        "marked": "已标为特殊事件",
        "already": "此前已标为特殊事件",
        "write": "填写报告",
        "question": "特殊事件写一份简短报告",
        "kept": "报告已记入工单",
        "report": "特殊事件报告",
        "denied": "没有权限",
        "section": "特殊事件（1）",
    },
    "zh-hant": {
        "voice_prompt": "傳送語音訊息",
        "sorry": "歉意",
        "voice_line": "語音意見（0:12）",
        "mark": "標為特殊事件",
        "marked": "已標為特殊事件",
        "already": "此前已標為特殊事件",
        "write": "填寫報告",
        "question": "特殊事件寫一份簡短報告",
        "kept": "報告已記入工單",
        "report": "特殊事件報告",
        "denied": "沒有權限",
        "section": "特殊事件（1）",
    },
}
LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])


@LANGS
async def test_a_voice_comment_reaches_the_supervisor(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    await set_callbacks(world, delay_hours=0)
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)  # Confirm completion
    await press(resident, await resident.next_message(), 0, 1)  # Not satisfied
    for score in ("2", "2", "1"):
        await press_text(resident, await resident.next_message(), score)
    comment = await resident.next_message()
    assert expect["voice_prompt"] in comment.body
    await resident.send_sticker()  # neither words nor a voice: asked again, politely
    assert expect["voice_prompt"] in (await resident.next_message()).body
    await resident.send_voice(duration=12)
    assert expect["sorry"] in (await resident.next_message()).body

    order = await latest_order(world)
    async with world.uow as uow:
        [kept] = await callbacks.of_order(uow, order.id)
    assert kept.comment is None and kept.comment_voice and kept.comment_voice_seconds == 12
    told = await supervisor.next_message()
    assert told.voice is not None and told.voice["file_id"] == kept.comment_voice
    assert order.number in told.body and expect["voice_line"] in told.body


@LANGS
async def test_a_special_event_marked_reported_and_refused_to_others(
    world: World, lang: str
) -> None:
    expect = EXPECT[lang]
    manager = await world.staff_member("13800000005", lang)
    supervisor = await world.staff_member("13800000004", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    order = await latest_order(world)

    # A worker and a resident pressing a forged Mark button are refused; nothing is marked.
    for someone in (technician, resident):
        last = someone.transcript()[-1]
        await forge_press(world, someone, last.message_id, f"se:{order.id}:m")
        assert expect["denied"] in (await someone.next_message()).body
    async with world.uow as uow:
        assert await special_events.of_order(uow, order.id) is None

    # The manager opens the order from the queue and marks it.
    await manager.send_command("queue")
    queue = await manager.next_message()
    await press_text(manager, queue, order.number)
    card = await manager.next_message()
    await press_text(manager, card, expect["mark"])
    marked = await manager.next_message()
    assert expect["marked"] in marked.body and order.number in marked.body
    news = await manager.next_message()  # as the estate's manager, they owe the callback
    assert order.number in news.body and expect["write"] in news.button_texts
    await press_text(manager, card, expect["mark"])  # a second tap
    assert expect["already"] in (await manager.next_message()).body

    # The supervisor's approvals show it.
    await supervisor.send_command("approvals")
    assert expect["section"] in (await supervisor.next_message()).body

    # The manager writes the report; the supervisor reads it; the timeline keeps it.
    await press_text(manager, news, expect["write"])
    assert expect["question"] in (await manager.next_message()).body
    await manager.send_text("已上门回访，住户接受处理结果。")
    assert expect["kept"] in (await manager.next_message()).body
    report = await supervisor.next_message()
    assert expect["report"] in report.body and "住户接受处理结果" in report.body
    async with world.uow as uow:
        last = (await orders.timeline(uow, order.id))[-1]
    assert (last.action, last.note) == ("special_report", "已上门回访，住户接受处理结果。")
    await press_text(manager, news, expect["write"])  # an old button: already written
    assert order.number in (await manager.next_message()).body


SPOT = {
    "zh-hans": {"list": "今日电话回访", "why": "家政服务完工后抽查", "record": "记录回访"},
    "zh-hant": {"list": "今日電話回訪", "why": "家政服務完工後抽查", "record": "記錄回訪"},
}


@LANGS
async def test_a_spot_checked_home_service_is_on_the_desks_phone_list(
    world: World, lang: str
) -> None:
    words = SPOT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    resident = await world.resident("赵", lang)
    reporter = await person_of(world, resident)
    async with world.uow as uow:  # every home service is checked; one completed, confirmed
        estate = await directory.require_estate(uow, "BX")
        row = await uow.session.get_one(Estate, estate.id)
        row.settings = {**(row.settings or {}), "spot_check_share": 1}
        order = await orders.register(
            uow, NewOrder(estate.id, OrderKind.HOUSEKEEPING, "打扫厨房", reporter), Actor(reporter)
        )
        (await uow.session.get_one(Order, order.id)).status = OrderStatus.COMPLETED
        await jobs.confirm(uow, order.id, reporter)
        uow.take_news()
        await uow.commit()
    before = len(resident.transcript())
    for day in (24, 25):  # Tuesday 09:00: due (by phone); Wednesday 09:00: the list
        world.clock.set(datetime(2026, 11, day, 1, 0, tzinfo=UTC))
        assert world.core.scheduler is not None
        await world.core.scheduler.tick()
    head = await dispatcher.next_message()
    while words["list"] not in head.body:
        head = await dispatcher.next_message()
    card = await dispatcher.next_message()
    assert order.number in card.body and words["why"] in card.body
    assert words["record"] in card.button_texts
    assert len(resident.transcript()) == before  # nothing asked in the resident's chat
