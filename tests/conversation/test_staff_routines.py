"""The routines through the running bot: its scheduler's tick (called by hand after moving the
FakeClock) reminds, sends back to the desk and escalates an overdue acceptance, apologising to
the resident once the promised time has passed; confirms after 48 hours of silence; sends the
team digest; asks the end-of-day question and reports the answers to the supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from resident_steps import drain
from staff_helpers import latest_order, person_of, press, report_leak

from core.enums import OrderKind, OrderStatus
from core.i18n import in_simplified
from core.lifecycle import Actor
from core.services import directory, jobs, orders
from core.services.orders import NewOrder
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "remind": "提醒",
        "sorry": "抱歉",
        "desk": "重新派工",
        "escalated": "上报",
        "auto": "48 小时",
        "digest": "待派工",
        "eod": "下班前",
        "noted": "已记录",
        "no_answer": "未回复",
    },
    "zh-hant": {
        "remind": "提醒",
        "sorry": "抱歉",
        "desk": "重新派工",
        "escalated": "上報",
        "auto": "48 小時",
        "digest": "待派工",
        "eod": "下班前",
        "noted": "已記錄",
        "no_answer": "未回覆",
    },
}
LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])


async def tick(world: World) -> None:
    """The scheduler's own tick, as APScheduler would call it (the world hands the bot over
    once its start, with the catch-up, is done)."""
    assert world.core.scheduler is not None, "the bot runs no scheduler"
    await world.core.scheduler.tick()


@LANGS
async def test_overdue_acceptance_reminded_redispatched_escalated(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    card = await dispatcher.next_message()
    await press(dispatcher, card)
    await press(dispatcher, await dispatcher.next_message())  # 张师傅
    await technician.next_message()  # the job card, not accepted
    await resident.next_message()  # dispatched

    world.clock.advance(timedelta(minutes=31))
    await tick(world)
    reminder = await technician.next_message()
    assert expect["remind"] in reminder.body and "厨房水管漏水了" in reminder.body
    # The reminder is for staff: the resident was promised an answer within the hour.
    assert await drain(resident) == []

    world.clock.advance(timedelta(minutes=31))
    await tick(world)
    again = await dispatcher.next_message()
    assert expect["desk"] in again.body
    assert expect["sorry"] in (await resident.next_message()).body

    world.clock.advance(timedelta(minutes=31))
    await tick(world)
    escalated = await supervisor.next_message()
    assert expect["escalated"] in escalated.body and "张师傅" in in_simplified(escalated.body)
    assert expect["sorry"] in (await resident.next_message()).body

    order = await latest_order(world)
    assert order.escalated and order.overdue_stage == 3
    async with world.uow as uow:
        steps = [(e.action, e.actor_id) for e in await orders.timeline(uow, order.id)]
    assert steps[-3:] == [("remind", None), ("remind", None), ("escalate", None)]


@LANGS
async def test_resident_who_never_answers_is_confirmed_after_48_hours(
    world: World, lang: str
) -> None:
    expect = EXPECT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    await press(dispatcher, await dispatcher.next_message())
    await press(dispatcher, await dispatcher.next_message())
    job = await technician.next_message()
    await resident.next_message()
    await press(technician, job)  # Accept
    await resident.next_message()
    worker = await person_of(world, technician)
    order = await latest_order(world)
    async with world.uow as uow:  # the visit itself is the lifecycle test's business
        await jobs.arrive(uow, order.id, worker)
        await jobs.complete(
            uow, order.id, worker, jobs.CompletionReport("更换软管", after=("photo-1",))
        )
        await uow.commit()

    world.clock.advance(timedelta(hours=47))
    await tick(world)
    world.clock.advance(timedelta(hours=1, minutes=1))
    await tick(world)
    told = await resident.next_message()
    assert expect["auto"] in told.body and order.number in told.body
    assert order.number in (await _next_with(technician, order.number)).body

    order = await latest_order(world)
    assert order.status is OrderStatus.CONFIRMED
    async with world.uow as uow:
        last = (await orders.timeline(uow, order.id))[-1]
    assert (last.action, last.actor_id) == ("confirm", None) and "auto" in (last.note or "")


@LANGS
async def test_digest_and_end_of_day_check_fired_by_the_scheduler(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    await report_leak(resident)
    await dispatcher.next_message()  # not dispatched yet: in the 13:30 digest
    order = await latest_order(world)

    world.clock.set(datetime(2026, 11, 23, 5, 31, tzinfo=UTC))  # 13:31 in Shanghai
    await tick(world)
    digest = await technician.next_message()
    assert "工程组" in digest.body or "工程組" in digest.body
    assert expect["digest"] in digest.body and order.number in digest.body
    await supervisor.next_message()  # the supervisor is in the engineering team too
    await resident.next_message()  # the order waited past its limit: apology
    await dispatcher.next_message()  # and the desk was reminded

    await _dispatch_and_accept(world, order.id, dispatcher, technician)

    world.clock.set(datetime(2026, 11, 23, 9, 31, tzinfo=UTC))  # 17:31
    await tick(world)
    question = await _next_with(technician, expect["eod"])
    assert order.number in question.body
    await press(technician, question)  # Answer
    await technician.next_message()  # why, and when?
    await technician.send_text("缺配件，明天上午完成")
    assert expect["noted"] in (await technician.next_message()).body

    world.clock.set(datetime(2026, 11, 23, 10, 31, tzinfo=UTC))  # 18:31
    await tick(world)
    report = await _next_with(supervisor, "缺配件，明天上午完成")
    assert order.number in report.body and "张师傅" in in_simplified(report.body)
    before = len(supervisor.transcript())
    await world.restart_bot()  # a restart catches up nothing: every routine ran today
    await tick(world)
    assert len(supervisor.transcript()) == before


async def _dispatch_and_accept(world: World, order_id: int, dispatcher, technician) -> None:
    from core.services import dispatch

    async with world.uow as uow:
        worker = await person_of(world, technician)
        await dispatch.dispatch(uow, order_id, worker, await person_of(world, dispatcher))
        await jobs.accept(uow, order_id, worker)
        await uow.commit()


async def _next_with(user, text: str, tries: int = 10):
    for _ in range(tries):
        message = await user.next_message()
        if text in message.body:
            return message
    raise AssertionError(f"no message with {text!r}")


@pytest.mark.parametrize("lang", ["zh-hans"])
async def test_a_long_digest_shows_each_section_s_first_lines_and_the_count(
    world: World, lang: str
) -> None:
    """Twelve orders waiting: the digest lists ten and says how many more, in one message."""
    technician = await world.staff_member("13800000001", lang)
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        numbers = []
        for _ in range(12):
            new = NewOrder(estate.id, OrderKind.IN_HOME_REPAIR, "漏水", None, unit_id=unit.id)
            numbers.append((await orders.register(uow, new, Actor.system())).number)
        await uow.commit()
    world.clock.set(datetime(2026, 11, 23, 5, 31, tzinfo=UTC))  # 13:31 in Shanghai
    await tick(world)
    digest = await _next_with(technician, "待派工")
    assert "待派工（12）" in digest.body
    assert sum(number in digest.body for number in numbers) == 10
    assert "另有 2" in digest.body
