"""The worker's appointments and returns through the emulator: confirming the resident's time,
moving it with a reason (the resident agrees or picks another window); need parts / cannot
finish (back to the desk with the reason, the resident told); My jobs in appointment order; a
roster that keeps an off-shift worker out of the dispatcher's choice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from staff_helpers import (
    add_technician,
    latest_order,
    message_with,
    person_of,
    press,
    press_text,
    report_leak,
)

from core.enums import OrderStatus
from core.i18n import in_simplified
from core.services import directory, duty, jobs, orders
from sandbox.world import World
from tg_emulator import SimUser, TranscriptMessage

LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = {
    "zh-hans": {
        "confirm_time": "确认上门时间",
        "updated": "工单已更新",
        "appointment": "的上门时间：",
        "reschedule": "改约",
        "why_move": "为何需要改约",
        "which_day": "哪一天",
        "which_part": "时段",
        "moved": "很抱歉，张师傅需要将工单",
        "desk_moved": "已将上门时间改为",
        "fine": "这个时间可以",
        "agreed": "上门时间已确认",
        "worker_agreed": "住户已同意",
        "another": "另选时间",
        "when_visit": "您希望哪天上门",
        "new_time": "新上门时间",
        "worker_new_time": "住户已选择新的上门时间",
        "cannot": "需配件 / 无法完成",
        "what_missing": "还缺少什么",
        "back": "已退回客服中心",
        "returned": "维修师傅退回工单",
        "resident_returned": "需要进一步安排",
        "my_jobs": "我的任务",
        "jobs_head": "您的未完成工单",
    },
    "zh-hant": {
        "confirm_time": "確認上門時間",
        "updated": "工單已更新",
        "appointment": "的上門時間：",
        "reschedule": "改約",
        "why_move": "為何需要改約",
        "which_day": "哪一天",
        "which_part": "時段",
        "moved": "很抱歉，張師傅需要將工單",
        "desk_moved": "已將上門時間改為",
        "fine": "這個時間可以",
        "agreed": "上門時間已確認",
        "worker_agreed": "住戶已同意",
        "another": "另選時間",
        "when_visit": "您希望哪天上門",
        "new_time": "新上門時間",
        "worker_new_time": "住戶已選擇新的上門時間",
        "cannot": "需配件 / 無法完成",
        "what_missing": "還缺少什麼",
        "back": "已退回客服中心",
        "returned": "維修師傅退回工單",
        "resident_returned": "需要進一步安排",
        "my_jobs": "我的任務",
        "jobs_head": "您的未完成工單",
    },
}


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def actions(world: World, order_id: int) -> list[str]:
    async with world.uow as uow:
        return [e.action for e in await orders.timeline(uow, order_id)]


async def next_with_buttons(user: SimUser) -> TranscriptMessage:
    """The next message that asks something; a dispatcher with a second job also receives
    notices about the first one, in an order that depends on the sender's batches."""
    while True:
        message = await user.next_message()
        if message.buttons:
            return message


async def dispatch_and_accept(
    dispatcher: SimUser, technician: SimUser, resident: SimUser, world: World
):
    """The resident's leak goes to 张师傅 (the first worker offered), who accepts it."""
    await report_leak(resident)
    await press(dispatcher, await next_with_buttons(dispatcher))  # Dispatch to a worker
    await press(dispatcher, await next_with_buttons(dispatcher))  # 张师傅
    job = await technician.next_message()
    await resident.next_message()  # dispatched
    await press(technician, job)  # Accept
    await resident.next_message()  # accepted
    card = await message_with(technician, job.message_id, "接")
    return await latest_order(world), job, card


async def staff_and_resident(world: World, lang: str):
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    return dispatcher, technician, resident


@pytest.mark.parametrize("answer", ["agree", "another"])
@LANGS
async def test_confirm_then_reschedule_and_the_resident_answers(
    world: World, lang: str, answer: str
) -> None:
    expect = T[lang]
    dispatcher, technician, resident = await staff_and_resident(world, lang)
    order, job, card = await dispatch_and_accept(dispatcher, technician, resident, world)
    preferred = (order.window_start, order.window_end)
    assert preferred[0] is not None

    # The worker confirms the resident's preferred time: the resident is told the appointment.
    await press_text(technician, card, expect["confirm_time"])
    told = await resident.next_message()
    assert expect["appointment"] in told.body and order.number in told.body
    await message_with(technician, job.message_id, expect["updated"])

    # Then moves it, with a reason, to tomorrow morning.
    await press_text(technician, card, expect["reschedule"])
    assert expect["why_move"] in (await technician.next_message()).body
    await technician.send_text("配件明天才到")
    days = await technician.next_message()
    assert expect["which_day"] in days.body
    await press(technician, days, 0, 1)  # tomorrow (today still has slots at 09:00)
    parts = await message_with(technician, days.message_id, expect["which_part"])
    await press(technician, parts)  # the morning
    proposal = await resident.next_message()
    # An apology, the reason and the new time, in the resident's script; the desk is told too.
    assert expect["moved"] in proposal.body and "配件明天才到" in proposal.body
    desk = await dispatcher.next_message()
    assert expect["desk_moved"] in desk.body and order.number in desk.body
    assert "配件明天才到" in desk.body

    order = await latest_order(world)
    tomorrow_morning = (local(2026, 11, 24, 9), local(2026, 11, 24, 12))
    assert (order.window_start, order.window_end) == tomorrow_morning

    if answer == "agree":
        await press_text(resident, proposal, expect["fine"])
        thanks = await message_with(resident, proposal.message_id, expect["agreed"])
        assert expect["agreed"] in thanks.body
        assert expect["worker_agreed"] in (await technician.next_message()).body
        expected_window = tomorrow_morning
        last = "note"  # the agreement, recorded without changing the window
    else:
        await press_text(resident, proposal, expect["another"])
        asked = await resident.next_message()
        assert expect["when_visit"] in asked.body
        await press(resident, asked, 1, 0)  # the day after tomorrow
        slots = await resident.next_message()
        await press(resident, slots, 1, 0)  # the afternoon
        chosen = await message_with(resident, slots.message_id, expect["new_time"])
        assert order.number in chosen.body
        assert expect["worker_new_time"] in (await technician.next_message()).body
        expected_window = (local(2026, 11, 25, 14), local(2026, 11, 25, 17, 30))
        last = "reschedule"

    order = await latest_order(world)
    assert (order.window_start, order.window_end) == expected_window
    assert order.status is OrderStatus.ACCEPTED
    assert await actions(world, order.id) == [
        "register",
        "dispatch",
        "accept",
        "appoint",
        "reschedule",
        last,
    ]
    async with world.uow as uow:
        [moved, *_] = [e for e in await orders.timeline(uow, order.id) if e.action == "reschedule"]
    assert moved.note == "配件明天才到"
    assert moved.actor_id == await person_of(world, technician)


@LANGS
async def test_need_parts_goes_back_to_the_desk(world: World, lang: str) -> None:
    expect = T[lang]
    dispatcher, technician, resident = await staff_and_resident(world, lang)
    order, _job, card = await dispatch_and_accept(dispatcher, technician, resident, world)

    await press_text(technician, card, expect["cannot"])
    assert expect["what_missing"] in (await technician.next_message()).body
    await technician.send_text("需要更换整个阀门，仓库无货")
    done = await technician.next_message()
    assert expect["back"] in done.body and order.number in done.body

    desk = await dispatcher.next_message()
    assert expect["returned"] in desk.body and "需要更换整个阀门" in desk.body
    assert order.number in desk.body and desk.buttons  # ready to be arranged again
    told = await resident.next_message()
    assert expect["resident_returned"] in told.body and "需要更换整个阀门" in told.body

    order = await latest_order(world)
    assert order.status is OrderStatus.REGISTERED and order.assignee_id is None
    async with world.uow as uow:
        events = await orders.timeline(uow, order.id)
    assert [e.action for e in events][-1] == "cannot_finish"
    assert events[-1].note == "需要更换整个阀门，仓库无货"


@LANGS
async def test_my_jobs_in_appointment_order(world: World, lang: str) -> None:
    expect = T[lang]
    dispatcher, technician, resident = await staff_and_resident(world, lang)
    later, _, _ = await dispatch_and_accept(dispatcher, technician, resident, world)
    today, _, _ = await dispatch_and_accept(dispatcher, technician, resident, world)
    # The first job is moved to tomorrow: the second, today's, must come first.
    async with world.uow as uow:
        worker = await person_of(world, technician)
        await jobs.set_appointment(
            uow, later.id, worker, local(2026, 11, 24, 14), local(2026, 11, 24, 17, 30)
        )
        await uow.commit()

    await technician.send_command("jobs")
    listed = await technician.next_message()
    assert expect["jobs_head"] in listed.body
    assert listed.body.index(today.number) < listed.body.index(later.number)
    assert [row[0]["text"] for row in listed.buttons] == [today.number, later.number]

    await technician.send_command("menu")
    menu = await technician.next_message()
    await press_text(technician, menu, expect["my_jobs"])
    again = await technician.next_message()
    assert again.body == listed.body


@LANGS
async def test_roster_keeps_an_off_shift_worker_out(world: World, lang: str) -> None:
    await add_technician(world, "李师傅", "13800000009")
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        roster = (
            "phone,weekday,start,end\n"
            "13800000001,mon,08:00,17:00\n"  # on shift at Monday 09:00
            "13800000009,mon,13:00,21:00\n"  # not yet
            "13800000009,tue,08:00,17:00\n"
        )
        assert await duty.import_roster(uow, estate.id, roster.encode()) == 3
        await uow.commit()
    dispatcher = await world.staff_member("13800000003", lang)
    await world.staff_member("13800000009", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())  # Dispatch to a worker
    pick = await dispatcher.next_message()
    offered = [b["text"] for row in pick.buttons for b in row]
    assert any("张师傅" in in_simplified(text) for text in offered)
    assert not any("李师傅" in in_simplified(text) for text in offered)
