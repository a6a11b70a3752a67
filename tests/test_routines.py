"""The routines with a FakeClock (moved, never slept): the time-limit stages, automatic
re-dispatch, the 48-hour confirmation (never for complaints), digests, the end-of-day check,
RoutineRun (never twice, caught up when missed) and the scheduler's leadership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import news, routines
from core.clock import FakeClock
from core.db import create_engine
from core.enums import OrderKind, OrderStatus, Priority
from core.leadership import Leadership
from core.lifecycle import Action, Actor
from core.routines import Routine
from core.services import directory, dispatch, jobs, orders
from core.services.dispatch import DispatchMode
from core.services.orders import NewOrder
from core.uow import UnitOfWork, UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


ROUTINE_NEWS = {
    news.Reminded: "remind",
    news.NeedsDispatch: "back_to_desk",
    news.FollowUp: "back_to_desk",
    news.Escalated: "escalated",
    news.Delayed: "apology",
    news.DigestReady: "digest",
    news.EndOfDayAsked: "ask_end_of_day",
    news.EndOfDayReport: "end_of_day_report",
}


class Recorder:
    """Takes the news a routine announced before its commit, as the bot would render it."""

    def __init__(self) -> None:
        self.said: list[tuple[str, news.News]] = []

    async def __call__(self, uow: UnitOfWork) -> None:
        for item in uow.take_news():
            name = ROUTINE_NEWS.get(type(item))
            if isinstance(item, news.OrderActed):
                if item.action is Action.DISPATCH:
                    name = "dispatched"
                elif item.action is Action.CONFIRM and item.actor_id is None:
                    name = "auto_confirmed"
            if name is not None:
                self.said.append((name, item))

    def names(self) -> list[str]:
        return [name for name, _ in self.said]


async def staff(uows: UnitOfWorkFactory, phone: str) -> int:
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        return await directory.staff_person(uow, estate.id, phone)


async def new_order(uows: UnitOfWorkFactory, kind: OrderKind = OrderKind.IN_HOME_REPAIR) -> int:
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        order = await orders.register(
            uow, NewOrder(estate.id, kind, "漏水", None, unit_id=unit.id), Actor.system()
        )
        await uow.commit()
        return order.id


async def sweep(uows: UnitOfWorkFactory, recorder: Recorder) -> dict[str, int]:
    return await routines.sweep(uows, recorder)


async def order(uows: UnitOfWorkFactory, order_id: int) -> orders.OrderView:
    async with uows() as uow:
        return await orders.get(uow, order_id)


async def actions(uows: UnitOfWorkFactory, order_id: int) -> list[tuple[str, int | None, str]]:
    async with uows() as uow:
        return [(e.action, e.actor_id, e.note or "") for e in await orders.timeline(uow, order_id)]


async def test_overdue_acceptance_reminds_then_goes_to_the_desk_then_escalates(
    uows: UnitOfWorkFactory,
) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    zhang, dispatcher = await staff(uows, "13800000001"), await staff(uows, "13800000003")
    order_id = await new_order(uows)
    async with uows() as uow:
        await dispatch.dispatch(uow, order_id, zhang, dispatcher)
        await uow.commit()
    recorder = Recorder()
    clock.advance(timedelta(minutes=29))
    assert await sweep(uows, recorder) == {}  # within the 30 minutes

    clock.advance(timedelta(minutes=2))
    assert await sweep(uows, recorder) == {"reminded": 1}
    # Staff are reminded; the resident, promised an answer within the hour, hears nothing yet.
    assert recorder.names() == ["remind"]
    reminded = await order(uows, order_id)
    assert reminded.overdue_stage == 1 and reminded.due_at == clock.now() + timedelta(minutes=30)
    assert await sweep(uows, recorder) == {}  # not twice

    clock.advance(timedelta(minutes=31))
    assert await sweep(uows, recorder) == {"desk": 1}  # assign mode: the desk dispatches again
    clock.advance(timedelta(minutes=31))
    assert await sweep(uows, recorder) == {"escalated": 1}
    escalated = await order(uows, order_id)
    assert escalated.escalated and escalated.status is OrderStatus.DISPATCHED
    assert recorder.names()[1:] == ["back_to_desk", "apology", "escalated", "apology"]
    assert recorder.said[1][1] == news.NeedsDispatch(order_id, news.DeskReason.OVERDUE)
    clock.advance(timedelta(days=3))
    assert await sweep(uows, recorder) == {}  # the last stage is final

    steps = [(a, actor, note) for a, actor, note in await actions(uows, order_id)][2:]
    assert steps == [
        ("remind", None, "overdue: dispatched"),
        ("remind", None, "overdue: dispatched desk"),
        ("escalate", None, "overdue: dispatched"),
    ]


async def test_the_resident_is_apologised_to_only_once_the_promised_time_has_passed(
    uows: UnitOfWorkFactory,
) -> None:
    """An urgent order: promised an answer in 30 minutes; the worker's 15 minutes to accept run
    out first. That reminder is for staff; the apology comes after the 30 minutes, with the new
    time, which lies ahead."""
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    zhang, dispatcher = await staff(uows, "13800000001"), await staff(uows, "13800000003")
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        new = NewOrder(
            estate.id, OrderKind.IN_HOME_REPAIR, "漏水", None, unit_id=unit.id,
            priority=Priority.URGENT,
        )  # fmt: skip
        created = await orders.register(uow, new, Actor.system())
        await dispatch.dispatch(uow, created.id, zhang, dispatcher)
        await uow.commit()
        promised = await orders.promised_answer(uow, await orders.get(uow, created.id))
    assert promised == MONDAY_9 + timedelta(minutes=30)
    recorder = Recorder()
    clock.advance(timedelta(minutes=16))
    assert await sweep(uows, recorder) == {"reminded": 1}
    assert recorder.names() == ["remind"]  # before the promised time: staff only
    clock.advance(timedelta(minutes=16))  # 32 minutes: the promise is broken
    await sweep(uows, recorder)
    assert recorder.names()[-1] == "apology"
    late = await order(uows, created.id)
    assert late.due_at is not None and late.due_at > clock.now() > promised


async def test_normal_orders_wait_over_the_night(uows: UnitOfWorkFactory) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    clock.set(datetime(2026, 11, 23, 9, 20, tzinfo=UTC))  # 17:20: ten working minutes left
    order_id = await new_order(uows)
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 07:00 next morning
    assert await sweep(uows, Recorder()) == {}
    clock.set(datetime(2026, 11, 24, 0, 21, tzinfo=UTC))  # 08:21
    assert await sweep(uows, Recorder()) == {"reminded": 1}
    assert (await order(uows, order_id)).overdue_stage == 1


async def test_automatic_mode_redispatches_to_someone_else(uows: UnitOfWorkFactory) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        team = await directory.get_team(uow, estate.id, "工程组")
        assert team is not None
        await directory.ensure_staff(uow, estate.id, "李师傅", "13800000009", "technician", team.id)
        await dispatch.set_mode(uow, estate.id, DispatchMode.AUTO)
        await uow.commit()
    zhang, li = await staff(uows, "13800000001"), await staff(uows, "13800000009")
    order_id = await new_order(uows)
    async with uows() as uow:
        await dispatch.dispatch(uow, order_id, zhang, None, "auto")
        await uow.commit()
    recorder = Recorder()
    clock.advance(timedelta(minutes=31))
    await sweep(uows, recorder)
    clock.advance(timedelta(minutes=31))
    assert await sweep(uows, recorder) == {"redispatched": 1}
    moved = await order(uows, order_id)
    assert moved.assignee_id == li and moved.status is OrderStatus.DISPATCHED
    assert "dispatched" in recorder.names()


async def _completed(uows: UnitOfWorkFactory, kind: OrderKind) -> int:
    order_id = await new_order(uows, kind)
    worker = await staff(uows, "13800000004" if kind is OrderKind.COMPLAINT else "13800000001")
    async with uows() as uow:
        await dispatch.dispatch(uow, order_id, worker, await staff(uows, "13800000003"))
        await jobs.accept(uow, order_id, worker)
        await jobs.arrive(uow, order_id, worker)
        await jobs.complete(
            uow, order_id, worker, jobs.CompletionReport("换了软管", after=("photo-1",))
        )
        await uow.commit()
    return order_id


async def test_unconfirmed_after_48_hours_confirmed_by_the_system_but_never_a_complaint(
    uows: UnitOfWorkFactory,
) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    repair = await _completed(uows, OrderKind.IN_HOME_REPAIR)
    complaint = await _completed(uows, OrderKind.COMPLAINT)
    recorder = Recorder()
    clock.advance(timedelta(hours=47, minutes=59))
    assert await sweep(uows, recorder) == {}
    clock.advance(timedelta(minutes=2))
    assert await sweep(uows, recorder) == {"confirmed": 1, "escalated": 1}
    assert (await order(uows, repair)).status is OrderStatus.CONFIRMED
    assert (await actions(uows, repair))[-1] == ("confirm", None, routines.AUTO_CONFIRM_NOTE)
    still = await order(uows, complaint)
    assert still.status is OrderStatus.COMPLETED and still.escalated
    assert sorted(recorder.names()) == ["auto_confirmed", "escalated"]
    clock.advance(timedelta(days=10))
    assert await sweep(uows, recorder) == {}


async def test_routines_run_once_a_day_and_missed_ones_are_caught_up(
    uows: UnitOfWorkFactory,
) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    await new_order(uows)  # waiting for dispatch: in the engineering team's digest
    async with uows() as uow:
        [estate] = await routines.estates(uow)
        assert await routines.due_routines(uow, estate) == [
            Routine.MORNING_DIGEST,
            Routine.PHONE_LIST,
        ]
    recorder = Recorder()
    async with uows() as uow:
        assert await routines.run_routine(uow, estate, Routine.MORNING_DIGEST)
        await recorder(uow)
        await uow.commit()
    async with uows() as uow:  # a restart: the row says it ran
        assert await routines.due_routines(uow, estate) == [Routine.PHONE_LIST]
        assert not await routines.run_routine(uow, estate, Routine.MORNING_DIGEST)
    [(name, ready)] = recorder.said
    assert name == "digest"
    digest = ready.digest  # type: ignore[attr-defined]
    assert digest.team_name == "工程组" and len(digest.new) == 1  # type: ignore[attr-defined]

    clock.advance(timedelta(hours=10))  # 19:00: the bot was down all afternoon
    async with uows() as uow:
        assert await routines.due_routines(uow, estate) == [
            Routine.PHONE_LIST,
            Routine.AFTERNOON_DIGEST,
            Routine.END_OF_DAY_CHECK,
            Routine.END_OF_DAY_REPORT,
        ]
    clock.advance(timedelta(hours=6))  # 01:00 the next day: a new day, nothing due yet
    async with uows() as uow:
        assert await routines.due_routines(uow, estate) == []


async def test_a_failed_run_is_rolled_back_and_runs_again(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        [estate] = await routines.estates(uow)

    async def broken(uow: UnitOfWork) -> None:
        raise RuntimeError("the outbox is down")

    await new_order(uows)
    with pytest.raises(RuntimeError):
        async with uows() as uow:
            await routines.run_routine(uow, estate, Routine.MORNING_DIGEST)
            await broken(uow)
            await uow.commit()
    async with uows() as uow:
        assert await routines.due_routines(uow, estate) == [
            Routine.MORNING_DIGEST,
            Routine.PHONE_LIST,
        ]


async def test_end_of_day_asks_every_unsigned_job_and_reports_the_answers(
    uows: UnitOfWorkFactory,
) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    zhang, dispatcher = await staff(uows, "13800000001"), await staff(uows, "13800000003")
    answered, silent = await new_order(uows), await new_order(uows)
    async with uows() as uow:
        for order_id in (answered, silent):
            await dispatch.dispatch(uow, order_id, zhang, dispatcher)
            await jobs.accept(uow, order_id, zhang)
        await uow.commit()
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # 17:30
    async with uows() as uow:
        [estate] = await routines.estates(uow)
    recorder = Recorder()
    async with uows() as uow:
        assert await routines.run_routine(uow, estate, Routine.END_OF_DAY_CHECK)
        await recorder(uow)
        await uow.commit()
    assert recorder.names() == ["ask_end_of_day", "ask_end_of_day"]
    clock.advance(timedelta(minutes=10))
    async with uows() as uow:
        await jobs.relay(uow, answered, zhang, "一个无关的留言")  # a message is not an answer
        await jobs.answer_end_of_day(uow, answered, zhang, "缺零件，明天上午完成")
        await uow.commit()
    clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))  # 18:30
    report = Recorder()
    async with uows() as uow:
        assert await routines.run_routine(uow, estate, Routine.END_OF_DAY_REPORT)
        await report(uow)
        await uow.commit()
    [(name, item)] = report.said
    assert name == "end_of_day_report"
    lines = item.lines  # type: ignore[attr-defined]
    assert {line.order.id: line.answer for line in lines} == {
        answered: "缺零件，明天上午完成",
        silent: None,
    }


async def test_one_scheduler_leads(db_url: str) -> None:
    first_engine, second_engine = create_engine(db_url), create_engine(db_url)
    first, second = Leadership(first_engine), Leadership(second_engine)
    try:
        assert await first.is_leader()
        assert await first.is_leader()  # still
        if first.shared:
            assert not await second.is_leader()
            await first.release()
            assert await second.is_leader()
            assert not await first.is_leader()
        else:
            assert await second.is_leader()  # SQLite: one machine, always the leader
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()
