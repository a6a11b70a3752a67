"""Dispatch modes and side paths through the emulator: automatic dispatch; grab dispatch in the
team's group (first tap wins, the post names the taker, a second tap is refused politely);
refusing service with the reason reaching the resident; no one home and the resident rebooks;
relay messages both ways kept on the order; reveal phone recorded; off duty → not offered."""

from __future__ import annotations

import asyncio

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
from core.services import directory, dispatch, orders
from core.services.dispatch import DispatchMode
from sandbox.world import World

LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
T = {
    "zh-hans": {
        "dispatched": "已派给",
        "zhang": "张师傅",
        "first": "先接先得",
        "taken": "已由",
        "refused_by_core": "已被其他同事接走",
        "sorry": "抱歉",
        "nobody": "无人",
        "new_time": "新上门时间",
        "worker_new_time": "新的上门时间",
        "from_worker": "维修师傅",
        "from_resident": "住户",
        "off": "不在岗",
    },
    "zh-hant": {
        "dispatched": "已派給",
        "zhang": "張師傅",
        "first": "先接先得",
        "taken": "已由",
        "refused_by_core": "已被其他同事接走",
        "sorry": "抱歉",
        "nobody": "無人",
        "new_time": "新上門時間",
        "worker_new_time": "新的上門時間",
        "from_worker": "維修師傅",
        "from_resident": "住戶",
        "off": "不在崗",
    },
}


async def set_mode(world: World, mode: DispatchMode) -> None:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        await dispatch.set_mode(uow, estate.id, mode)
        await uow.commit()


async def actions(world: World, order_id: int) -> list[str]:
    async with world.uow as uow:
        return [e.action for e in await orders.timeline(uow, order_id)]


async def group_message(user, group, text: str, seconds: float = 5.0):
    for _ in range(int(seconds / 0.05)):
        for message in user.transcript(group):
            if message.from_bot and text in message.body:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {text!r} in the group: {user.transcript(group)}")


@LANGS
async def test_automatic_dispatch(world: World, lang: str) -> None:
    await set_mode(world, DispatchMode.AUTO)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    job = await technician.next_message()
    assert "厨房水管漏水了" in job.body
    told = await resident.next_message()
    assert T[lang]["dispatched"] + T[lang]["zhang"] in told.body  # in their script, no space
    order = await latest_order(world)
    assert order.assignee_id == await person_of(world, technician)
    async with world.uow as uow:
        [dispatched] = [e for e in await orders.timeline(uow, order.id) if e.action == "dispatch"]
    assert dispatched.actor_id is None and dispatched.note == "auto"


@LANGS
async def test_grab_in_the_team_group_first_tap_wins(world: World, lang: str) -> None:
    expect = T[lang]
    await add_technician(world, "李师傅", "13800000009")
    dispatcher = await world.staff_member("13800000003", lang)
    zhang = await world.staff_member("13800000001", lang)
    li = await world.staff_member("13800000009", lang)
    group = world.emulator.create_group("工程组", members=[dispatcher, zhang, li])
    await dispatcher.send_command("desk", args="team 工程组", chat=group)
    await group_message(dispatcher, group, "碧溪花园")
    await set_mode(world, DispatchMode.GRAB)
    resident = await world.resident("赵", lang)

    await report_leak(resident)
    post = await group_message(zhang, group, expect["first"])
    callback = post.buttons[0][0]["callback_data"]
    # Both tap the same post at once: the first wins, the other is refused politely.
    answers = await asyncio.gather(
        zhang.press(post.message_id, callback, group), li.press(post.message_id, callback, group)
    )
    order = await latest_order(world)
    assert order.status is OrderStatus.ACCEPTED
    zhang_won = order.assignee_id == await person_of(world, zhang)
    winner, name = (zhang, "张师傅") if zhang_won else (li, "李师傅")
    loser_answer = answers[1] if zhang_won else answers[0]
    assert order.assignee_id == await person_of(world, winner)
    taken = await message_with(zhang, post.message_id, expect["taken"], chat=group)
    assert name in in_simplified(taken.body) and not taken.buttons
    assert loser_answer is not None and expect["refused_by_core"] in (loser_answer.text or "")
    card = await winner.next_message()  # the job card in the private chat, accepted
    assert order.number in card.body
    assert await actions(world, order.id) == ["register", "dispatch", "accept"]


@LANGS
async def test_refusing_service_tells_the_resident_why(world: World, lang: str) -> None:
    dispatcher = await world.staff_member("13800000003", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    card = await dispatcher.next_message()
    await press_text(dispatcher, card, "暂不受理", "暫不受理")
    await dispatcher.next_message()  # why?
    await dispatcher.send_text("该管道属市政供水，请联系自来水公司")
    await dispatcher.next_message()  # marked
    told = await resident.next_message()
    assert T[lang]["sorry"] in told.body and "该管道属市政供水" in told.body
    order = await latest_order(world)
    assert order.status is OrderStatus.REFUSED


async def _accepted_job(world: World, lang: str):
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())
    await press(dispatcher, await dispatcher.next_message())
    job = await technician.next_message()
    await resident.next_message()  # dispatched
    await press(technician, job)  # Accept
    await resident.next_message()  # accepted
    card = await message_with(technician, job.message_id, "接")
    return dispatcher, technician, resident, job, card


@LANGS
async def test_no_one_home_and_the_resident_rebooks(world: World, lang: str) -> None:
    expect = T[lang]
    _, technician, resident, job, card = await _accepted_job(world, lang)
    await press_text(technician, card, "出发", "在路上", "我在路上", "出發")
    await resident.next_message()  # on the way
    on_way = await message_with(technician, job.message_id, "路上")
    await press_text(technician, on_way, "无人在家", "無人在家")
    note = await resident.next_message()
    assert expect["nobody"] in note.body and note.buttons  # the days offered
    await press(resident, note, 0, 1 if len(note.buttons[0]) > 1 else 0)  # tomorrow
    slots = await resident.next_message()
    await press(resident, slots)  # the first part of the day
    chosen = await message_with(resident, slots.message_id, expect["new_time"])
    assert expect["new_time"] in chosen.body
    worker_told = await technician.next_message()
    assert expect["worker_new_time"] in worker_told.body

    order = await latest_order(world)
    assert order.status is OrderStatus.ACCEPTED and order.window_start is not None
    assert await actions(world, order.id) == [
        "register",
        "dispatch",
        "accept",
        "depart",
        "no_one_home",
        "appoint",
    ]


@LANGS
async def test_relay_both_ways_and_reveal_phone(world: World, lang: str) -> None:
    expect = T[lang]
    _, technician, resident, _job, card = await _accepted_job(world, lang)
    await press_text(technician, card, "给住户留言", "給住戶留言")
    await technician.next_message()  # write your message
    await technician.send_text("我下午三点到，请留人在家")
    await technician.next_message()  # passed on
    relayed = await resident.next_message()
    assert expect["from_worker"] in relayed.body and "下午三点到" in relayed.body
    await press(resident, relayed)  # Reply
    await resident.next_message()  # write your message
    await resident.send_text("好的，我家人在")
    await resident.next_message()  # passed on
    back = await technician.next_message()
    assert expect["from_resident"] in back.body and "我家人在" in back.body

    await press_text(technician, card, "查看电话", "檢視電話")
    await technician.next_message()  # the number (or a dash: this resident gave none)
    order = await latest_order(world)
    async with world.uow as uow:
        events = await orders.timeline(uow, order.id)
    notes = [e.note for e in events if e.action == "note"]
    assert notes == ["我下午三点到，请留人在家", "好的，我家人在"]
    [revealed] = [e for e in events if e.action == "reveal_phone"]
    assert revealed.actor_id == await person_of(world, technician)


@LANGS
async def test_off_duty_worker_is_not_offered(world: World, lang: str) -> None:
    await add_technician(world, "李师傅", "13800000009")
    dispatcher = await world.staff_member("13800000003", lang)
    li = await world.staff_member("13800000009", lang)
    await li.send_command("menu")
    menu = await li.next_message()
    await press_text(li, menu, "在岗 / 离岗", "在崗 / 離崗")
    duty = await li.next_message()
    await press(li, duty)  # Go off duty
    assert T[lang]["off"] in (await message_with(li, duty.message_id, T[lang]["off"])).body

    resident = await world.resident("赵", lang)
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())
    pick = await dispatcher.next_message()
    offered = [b["text"] for row in pick.buttons for b in row]
    assert any("张师傅" in in_simplified(text) for text in offered)  # read in their script
    assert not any("李师傅" in in_simplified(text) for text in offered)


@LANGS
async def test_a_refused_press_in_a_desk_group_is_answered_to_the_presser_alone(
    world: World, lang: str
) -> None:
    """A resident who is a member of the control centre's group taps Dispatch on a desk card:
    core refuses, and the refusal is the press's own alert, not a message to the whole group."""
    dispatcher = await world.staff_member("13800000003", lang)
    resident = await world.resident("赵", lang)
    group = world.emulator.create_group("控制中心", members=[dispatcher, resident])
    await dispatcher.send_command("desk", args="control", chat=group)
    await group_message(dispatcher, group, "碧溪花园")
    await report_leak(resident)
    card = await group_message(dispatcher, group, "BX-")
    before = len(resident.transcript(group))
    answer = await resident.press(card.message_id, card.buttons[0][0]["callback_data"], group)
    assert answer is not None and answer.show_alert and answer.text
    await asyncio.sleep(0.2)  # nothing more comes to the group
    assert len(resident.transcript(group)) == before
    assert (await latest_order(world)).status is OrderStatus.REGISTERED
