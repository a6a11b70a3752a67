"""A technician whose role is taken away (`guanjia staff role … --remove`) while he holds jobs:
his next presses are refused politely and change nothing, the resident is told nothing, and his
jobs are back at the desk, which is told."""

from __future__ import annotations

import pytest
from staff_helpers import latest_order, message_with, press, press_text, report_leak

from bot.cli.admin import remove_role
from core.enums import OrderStatus
from core.lifecycle import Action
from core.services import orders
from sandbox.world import World
from tg_emulator import SimUser
from tg_emulator.errors import NoMessageError

NOT_YOURS = "此工单目前不由您负责"


async def dispatched_to_zhang(
    world: World, resident: SimUser, dispatcher: SimUser, zhang: SimUser
) -> tuple[orders.OrderView, object]:
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())  # Dispatch to a worker
    pick = await dispatcher.next_message()
    await press_text(dispatcher, pick, *[b["text"] for b in pick.buttons[0] if "张" in b["text"]])
    job = await zhang.next_message()
    await resident.next_message()  # dispatched to 张师傅
    await press(zhang, job)  # Accept
    await resident.next_message()  # accepted
    return await latest_order(world), await message_with(zhang, job.message_id, "您已接单")


async def test_a_removed_technician_is_refused_and_his_jobs_go_back_to_the_desk(
    world: World,
) -> None:
    dispatcher = await world.staff_member("13800000003")
    zhang = await world.staff_member("13800000001")
    resident = await world.resident("赵")

    waiting, accepted_card = await dispatched_to_zhang(world, resident, dispatcher, zhang)
    started, on_site_card = await dispatched_to_zhang(world, resident, dispatcher, zhang)
    await press_text(zhang, on_site_card, "已到场")
    await resident.next_message()  # arrived
    on_site_card = await message_with(zhang, on_site_card.message_id, "到场")
    # He starts recording the completion with a fee, and has only to confirm it.
    await press_text(zhang, on_site_card, "完工")
    await zhang.next_message()  # what did you do
    await zhang.send_text("更换了软管")
    await press(zhang, await zhang.next_message())  # Next (no before photos)
    await press(zhang, await zhang.next_message())  # Next (no after photos)
    await zhang.next_message()  # a photo of the finished work, or why none
    await zhang.send_text("住户不便拍照")
    await press(zhang, await zhang.next_message())  # no materials
    await zhang.next_message()  # fee?
    await zhang.send_text("80")
    summary = await zhang.next_message()
    assert "80" in summary.body

    # The operator takes his role away.
    async with world.uow as uow:
        returned = await remove_role(uow, world.runtime.settings, "BX", "13800000001", "technician")
        await uow.commit()
    assert [o.id for o in returned] == [waiting.id, started.id]
    for order in returned:
        card = await dispatcher.next_message()
        assert "原负责的同事已不再担任该岗位" in card.body and order.number in card.body
        assert card.buttons  # the desk's buttons: dispatch again
    resident.skip_messages()
    before = {}
    async with world.uow as uow:
        for order in returned:
            before[order.id] = (
                await orders.get(uow, order.id),
                await orders.timeline(uow, order.id),
            )

    # His next presses: On my way, Show phone, Message the resident, Completed, Confirm the fee.
    for card, labels in [
        (accepted_card, ("我在路上",)),
        (accepted_card, ("查看电话",)),
        (accepted_card, ("给住户留言",)),
        (on_site_card, ("完工",)),
        (summary, ("确认",)),
    ]:
        await press_text(zhang, card, *labels)
        answer = await zhang.next_message()
        assert NOT_YOURS in answer.body and "1390" not in answer.body

    await zhang.send_command("jobs")
    assert "没有" in (await zhang.next_message()).body
    # Someone who never bound anything asks for jobs too: a polite answer, not an error.
    stranger = world.emulator.create_user(first_name="Stranger", language_code="zh-hans")
    await stranger.send_command("jobs")
    assert "没有" in (await stranger.next_message()).body

    with pytest.raises(NoMessageError):
        await resident.next_message(timeout=1.0)
    async with world.uow as uow:
        for order in returned:
            now = await orders.get(uow, order.id)
            events = await orders.timeline(uow, order.id)
            assert (now, events) == before[order.id]
            assert (now.status, now.assignee_id, now.fee) == (OrderStatus.REGISTERED, None, None)
            assert events[-1].action == Action.RETURN_TO_DESK
