"""One public-area fault, two reports: the desk merges the second into the first, one job goes
to the worker, and both residents hear of every step; the second resident's order shows the
merge; a resident's forged merge press and a stale one are refused."""

from __future__ import annotations

import pytest
from resident_steps import drain, forge_press, tap
from staff_helpers import latest_order, message_with, press, press_text

from bot.views.buttons import MergeInto
from core.enums import OrderStatus
from core.i18n import in_simplified
from core.services import orders
from sandbox.world import World
from tg_emulator import SimUser, TranscriptMessage

LOCALES = [
    (
        "zh-hans",
        {
            "merge": "合并到",
            "merged_card": "已合并到工单",
            "joined": "已将您的报修合并进去",
            "dispatched": "已派给",
            "accepted": "接单",
            "way": "路上",
            "site": "到场",
            "arrived": "到达",
            "done": "完工",
            "repaired": "已修复",
            "timeline": "已与同一故障的其他报修合并处理",
            "denied": "抱歉",
            "about": "关于您的工单",
            "already": "已合并到工单",
        },
    ),
    (
        "zh-hant",
        {
            "merge": "合併到",
            "merged_card": "已合併到工單",
            "joined": "已將您的報修合併進去",
            "dispatched": "已派給",
            "accepted": "接單",
            "way": "路上",
            "site": "到場",
            "arrived": "到達",
            "done": "完工",
            "repaired": "已修復",
            "timeline": "已與同一故障的其他報修合併處理",
            "denied": "抱歉",
            "about": "關於您的工單",
            "already": "已合併到工單",
        },
    ),
]


async def report_dead_lift(resident: SimUser) -> None:
    """A public-area repair at the lift, normal urgency."""
    await resident.send_command("menu")
    menu = await resident.next_message()
    where = await tap(resident, menu, "报修", "報修")
    category = await tap(resident, where, "公共")
    place = await press_first(resident, category)
    await tap(resident, place, "电梯", "電梯")  # the description question follows
    await resident.send_text("电梯不动了，困在一楼")
    urgency = await press_first(resident, await resident.next_message())  # Done
    summary = await press_first(resident, urgency)  # normal
    await press_first(resident, summary)  # Confirm; the menu follows


async def press_first(user: SimUser, message: TranscriptMessage) -> TranscriptMessage:
    await press(user, message)
    return await user.next_message()


@pytest.mark.parametrize(("lang", "expect"), LOCALES)
async def test_two_reports_one_job(world: World, lang: str, expect: dict) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    first = await world.resident("赵", lang)
    second = await world.resident("钱", lang, unit="102")

    await report_dead_lift(first)
    await dispatcher.next_message()  # the first card: nothing to merge into yet
    primary = await latest_order(world)
    await report_dead_lift(second)
    card = await dispatcher.next_message()
    follower = await latest_order(world)
    assert follower.id != primary.id
    merge_label = [b["text"] for row in card.buttons for b in row if expect["merge"] in b["text"]]
    assert merge_label == [f"{expect['merge']} {primary.number}"]

    # A resident replaying the desk's button is politely refused; nothing is merged.
    forged = MergeInto(follower.id, primary.id).pack()
    await forge_press(world, second, await last_id(second), forged)
    assert expect["denied"] in (await second.next_message()).body
    async with world.uow as uow:
        assert (await orders.get(uow, follower.id)).status is OrderStatus.REGISTERED

    await press_text(dispatcher, card, merge_label[0])
    edited = await message_with(dispatcher, card.message_id, expect["merged_card"])
    assert primary.number in edited.body and follower.number in edited.body
    joined = await second.next_message()
    assert expect["joined"] in joined.body and primary.number in joined.body
    # The same press again (a second dispatcher's stale card): refused, saying why.
    await forge_press(world, dispatcher, card.message_id, forged)
    stale = await dispatcher.next_message()
    assert expect["already"] in stale.body and follower.number in stale.body

    # The desk dispatches the primary only; the worker gets one job.
    first_card = next(m for m in dispatcher.transcript() if primary.number in m.body)
    await press(dispatcher, first_card)  # Dispatch to a worker
    await press(dispatcher, await dispatcher.next_message())
    job = await technician.next_message()
    assert primary.number in job.body
    for resident in (first, second):
        told = await resident.next_message()
        assert expect["dispatched"] in told.body and "张师傅" in in_simplified(told.body)
    assert expect["about"] in told.body and follower.number in told.body

    await press(technician, job)  # Accept
    accepted = await message_with(technician, job.message_id, expect["accepted"])
    await both_told(first, second, expect["accepted"])
    await press_text(technician, accepted, "出发", "在路上", "我在路上")
    await both_told(first, second, expect["way"])
    on_way = await message_with(technician, job.message_id, expect["way"])
    await press_text(technician, on_way, "已到场", "已到場")
    await both_told(first, second, expect["arrived"])
    on_site = await message_with(technician, job.message_id, expect["site"])
    await press_text(technician, on_site, "完工")
    await technician.next_message()  # what did you do
    await technician.send_text("更换了电梯控制板")
    before = await technician.next_message()
    await press(technician, before)  # Next (no photo)
    await press(technician, await technician.next_message())  # Next
    await technician.next_message()  # a photo of the finished work, or why none
    await technician.send_text("电梯机房内不允许拍照")
    await technician.next_message()  # materials?
    await technician.send_text("控制板一块")
    await technician.next_message()  # fee?
    await technician.send_text("0")
    await press(technician, await technician.next_message())  # Confirm

    done = await first.next_message()
    assert expect["done"] in done.body and done.buttons  # the primary's reporter confirms
    repaired = await second.next_message()
    assert expect["repaired"] in repaired.body and "更换了电梯控制板" in repaired.body
    assert not repaired.buttons
    await press(first, done)  # Confirm completion

    async with world.uow as uow:
        assert (await orders.get(uow, primary.id)).status is OrderStatus.CONFIRMED
        assert (await orders.get(uow, follower.id)).status is OrderStatus.CONFIRMED
        actions = [e.action for e in await orders.timeline(uow, follower.id)]
    assert actions[:3] == ["register", "merge", "dispatch"] and actions[-1] == "confirm"

    # The second resident's My orders: their own order, with the merge in its timeline.
    await second.send_command("menu")
    menu = await second.next_message()
    mine = await tap(second, menu, "我的工单", "我的工單")
    shown = await tap(second, mine, follower.number)
    assert expect["timeline"] in shown.body


async def last_id(user: SimUser) -> int:
    return user.transcript()[-1].message_id


async def both_told(first: SimUser, second: SimUser, text: str) -> None:
    for resident in (first, second):
        assert in_simplified(text) in in_simplified((await resident.next_message()).body)


WITHDRAWN = {
    "zh-hans": {"carries": "任务改由工单", "cancelled": "您无需前往", "taken": "承接同一故障"},
    "zh-hant": {"carries": "任務改由工單", "cancelled": "您無需前往", "taken": "承接同一故障"},
}


async def cancel_my_order(resident: SimUser, number: str) -> None:
    await resident.send_command("menu")
    menu = await resident.next_message()
    mine = await tap(resident, menu, "我的工单", "我的工單")
    card = await tap(resident, mine, number)
    sure = await tap(resident, card, "取消此工单", "取消此工單")
    await resident.press(sure.message_id, sure.buttons[0][0]["callback_data"])  # Yes


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_the_primary_withdrawn_the_job_carries_on_for_the_others(
    world: World, lang: str
) -> None:
    expect = WITHDRAWN[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    first = await world.resident("赵", lang)
    second = await world.resident("钱", lang, unit="102")
    await report_dead_lift(first)
    await dispatcher.next_message()
    primary = await latest_order(world)
    await report_dead_lift(second)
    card = await dispatcher.next_message()
    follower = await latest_order(world)
    merge = next(b["text"] for row in card.buttons for b in row if b["text"].startswith("合"))
    assert primary.number in merge
    await press_text(dispatcher, card, merge)
    await second.next_message()  # joined to the primary
    first_card = next(m for m in dispatcher.transcript() if primary.number in m.body)
    await press(dispatcher, first_card)
    await press(dispatcher, await dispatcher.next_message())  # 张师傅
    job = await technician.next_message()
    await both_told(first, second, "张师傅")  # dispatched
    await press(technician, job)  # Accept
    await both_told(first, second, "张师傅")  # accepted

    # The first resident withdraws their report: the lift is still broken for the second.
    await cancel_my_order(first, primary.number)
    carried = await technician.next_message()
    assert expect["carries"] in carried.body and follower.number in carried.body
    async with world.uow as uow:
        assert (await orders.get(uow, primary.id)).status is OrderStatus.CANCELLED
        heir = await orders.get(uow, follower.id)
        actions = [e.action for e in await orders.timeline(uow, follower.id)]
    assert heir.status is OrderStatus.ACCEPTED and heir.assignee_id is not None
    assert actions[-1] == "take_over"
    # The worker goes on from the new card; the second resident is told, the first no more.
    await press_text(technician, carried, "我在路上")
    assert "路上" in (await second.next_message()).body
    assert await drain(first, quiet=0.5) == []  # who withdrew hears no more of it
    shown = await tap(second, await _my_orders(second), follower.number)
    assert expect["taken"] in shown.body


async def _my_orders(resident: SimUser) -> TranscriptMessage:
    await resident.send_command("menu")
    return await tap(resident, await resident.next_message(), "我的工单", "我的工單")


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_cancelled_job_is_called_off_for_its_worker(world: World, lang: str) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("孙", lang)
    await report_dead_lift(resident)
    card = await dispatcher.next_message()
    order = await latest_order(world)
    await press(dispatcher, card)
    await press(dispatcher, await dispatcher.next_message())
    job = await technician.next_message()
    await resident.next_message()  # dispatched
    await press(technician, job)  # Accept
    await resident.next_message()  # accepted
    await cancel_my_order(resident, order.number)
    told = await technician.next_message()
    assert WITHDRAWN[lang]["cancelled"] in told.body and order.number in told.body
