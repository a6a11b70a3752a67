"""Special events (seed 002 篇4 3(2)) with a FakeClock: marked by a supervisor or manager only,
the manager's callback due within the estate's days (20 by default), the report written by a
manager and kept on the order, overdue ones in the managers' queue and reminded by the
time-limit sweep once a day until the report is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_callback_rules import Said, _estate_id, _resident, confirmed_order

from core import news, routines
from core.errors import ForbiddenTransition, InvalidInput, PermissionDenied
from core.models import Estate
from core.services import desk_queue, orders, people, special_events
from core.services.desk_queue import Reason
from core.services.special_events import AlreadyReported, AlreadySpecial, callback_days
from core.uow import UnitOfWorkFactory

TECHNICIAN, DISPATCHER, SUPERVISOR, MANAGER = (
    "13800000001",
    "13800000003",
    "13800000004",
    "13800000005",
)


async def _staff(uows: UnitOfWorkFactory, phone: str) -> int:
    async with uows() as uow:
        found = await people.find_by_phone(uow, phone)
    assert found is not None
    return found


def test_the_days_are_an_estate_setting() -> None:
    assert callback_days({}) == 20
    assert callback_days({"special_event_callback_days": 10}) == 10
    for bad in (0, -3, "soon"):
        with pytest.raises(InvalidInput):
            callback_days({"special_event_callback_days": bad})


async def test_only_supervisors_and_managers_mark_and_only_once(uows: UnitOfWorkFactory) -> None:
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    for who in (reporter, await _staff(uows, TECHNICIAN), await _staff(uows, DISPATCHER), None):
        async with uows() as uow:
            with pytest.raises(PermissionDenied):
                await special_events.mark(uow, order_id, who)
    async with uows() as uow:
        with pytest.raises(PermissionDenied):  # a forged order id learns nothing
            await special_events.mark(uow, order_id + 999, await _staff(uows, SUPERVISOR))
    supervisor = await _staff(uows, SUPERVISOR)
    async with uows() as uow:
        event = await special_events.mark(uow, order_id, supervisor)
        told = uow.take_news()
        await uow.commit()
    assert event.due_at == uows.clock.now() + timedelta(days=20)
    assert news.SpecialEventMarked(order_id) in told
    async with uows() as uow:
        with pytest.raises(AlreadySpecial):
            await special_events.mark(uow, order_id, await _staff(uows, MANAGER))
        events = await orders.timeline(uow, order_id)
    assert events[-1].action == "special_event" and events[-1].actor_id == supervisor


async def test_overdue_in_the_managers_queue_reminded_daily_until_reported(
    uows: UnitOfWorkFactory,
) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, estate_id)
        estate.settings = {**(estate.settings or {}), "special_event_callback_days": 3}
        await uow.commit()
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    manager, dispatcher = await _staff(uows, MANAGER), await _staff(uows, DISPATCHER)
    supervisor = await _staff(uows, SUPERVISOR)
    async with uows() as uow:
        await special_events.mark(uow, order_id, manager)
        await uow.commit()

    async def overdue_in_queue(person: int) -> int:
        async with uows() as uow:
            return (await desk_queue.queue(uow, person)).count(Reason.SPECIAL_OVERDUE)

    async with uows() as uow:  # the supervisors see it in their approvals from the start
        approvals = await desk_queue.approvals(uow, supervisor)
    assert approvals.count(Reason.SPECIAL_EVENT) == 1
    said = Said()
    uows.clock.advance(timedelta(days=3) - timedelta(minutes=1))  # type: ignore[attr-defined]
    assert "special_event_reminded" not in await routines.sweep(uows, said)
    assert await overdue_in_queue(manager) == 0
    uows.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    assert (await routines.sweep(uows, said))["special_event_reminded"] == 1
    assert await overdue_in_queue(manager) == 1
    assert await overdue_in_queue(dispatcher) == 0  # the managers' business
    assert "special_event_reminded" not in await routines.sweep(uows, said)  # once a day
    uows.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert (await routines.sweep(uows, said))["special_event_reminded"] == 1
    assert said.items.count(news.SpecialEventOverdue(order_id)) == 2

    # A supervisor may not write the report; the manager does, once.
    async with uows() as uow:
        with pytest.raises(PermissionDenied):
            await special_events.report(uow, order_id, supervisor, "已回访")
        with pytest.raises(InvalidInput):
            await special_events.report(uow, order_id, manager, "   ")
        await special_events.report(uow, order_id, manager, "已上门回访，住户接受处理结果。")
        assert news.SpecialEventReported(order_id) in uow.take_news()
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(AlreadyReported):
            await special_events.report(uow, order_id, manager, "再写一次")
        last = (await orders.timeline(uow, order_id))[-1]
        kept = await special_events.of_order(uow, order_id)
        approvals = await desk_queue.approvals(uow, supervisor)
    assert (last.action, last.note) == ("special_report", "已上门回访，住户接受处理结果。")
    assert kept is not None and kept.reported_by == manager
    assert approvals.count(Reason.SPECIAL_EVENT) == 1  # the report, for a week
    assert await overdue_in_queue(manager) == 0
    uows.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert "special_event_reminded" not in await routines.sweep(uows, said)
    uows.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    async with uows() as uow:
        assert (await desk_queue.approvals(uow, supervisor)).count(Reason.SPECIAL_EVENT) == 0


async def test_a_closed_order_can_be_marked_a_cancelled_one_cannot(
    uows: UnitOfWorkFactory,
) -> None:
    from core.lifecycle import Action, Actor
    from core.models import Order

    reporter = await _resident(uows)
    closed = await confirmed_order(uows, reporter)
    cancelled = await confirmed_order(uows, reporter)
    async with uows() as uow:
        await orders.act(uow, closed, Action.CLOSE, Actor.system(), "satisfied")
        (await uow.session.get_one(Order, cancelled)).status = "cancelled"
        await uow.commit()
    manager = await _staff(uows, MANAGER)
    async with uows() as uow:
        await special_events.mark(uow, closed, manager)
        view = await orders.get(uow, cancelled)
        assert not await special_events.may_mark(uow, view, manager)
        with pytest.raises(ForbiddenTransition):
            await special_events.mark(uow, cancelled, manager)
