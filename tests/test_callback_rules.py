"""The callback rules (core/services/callbacks.py) with a FakeClock: when a callback is due per
kind and setting, the routine asks once and reminds once (idempotent), the answers kept one at
a time, satisfied closes, not satisfied reopens and a second confirmation brings a second round,
a complaint waits for its supervisor, the questions are estate data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import news
from core.enums import OrderKind, OrderStatus
from core.errors import InvalidInput, PermissionDenied
from core.lifecycle import Action, Actor
from core.models import Order
from core.services import callbacks, directory, orders
from core.services.callbacks import AlreadyAnswered, Policy, Question
from core.services.orders import NewOrder
from core.uow import UnitOfWork, UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class Said:
    def __init__(self) -> None:
        self.items: list[news.News] = []

    async def __call__(self, uow: UnitOfWork) -> None:
        self.items.extend(uow.take_news())

    def asked(self) -> list[news.CallbackAsked]:
        return [i for i in self.items if isinstance(i, news.CallbackAsked)]


async def _estate_id(uows: UnitOfWorkFactory) -> int:
    async with uows() as uow:
        return (await directory.require_estate(uow, "BX")).id


async def _resident(uows: UnitOfWorkFactory, chat: bool = True) -> int:
    """A resident with a Telegram chat (or none: the desk must call them)."""
    from core.services import identities, people

    async with uows() as uow:
        person = await people.create_person(uow, "赵先生", "13900000009")
        if chat:
            identity = await identities.touch(uow, "telegram", 7000 + person, 7000 + person, None)
            await identities.link_person(uow, identity.id, person)
        await uow.commit()
        return person


async def confirmed_order(
    uows: UnitOfWorkFactory, reporter: int, kind: OrderKind = OrderKind.IN_HOME_REPAIR
) -> int:
    """An order at "completed", confirmed by its reporter through jobs.confirm."""
    from core.services import jobs

    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        order = await orders.register(
            uow, NewOrder(estate.id, kind, "漏水", reporter), Actor.system()
        )
        row = await uow.session.get_one(Order, order.id)
        row.status = OrderStatus.COMPLETED
        await jobs.confirm(uow, order.id, reporter)
        uow.take_news()
        await uow.commit()
        return order.id


async def _callback(uows: UnitOfWorkFactory, order_id: int) -> callbacks.CallbackView:
    async with uows() as uow:
        return (await callbacks.of_order(uow, order_id))[-1]


async def _answer_all(
    uows: UnitOfWorkFactory, callback_id: int, person: int, satisfied: bool, comment=None
) -> UnitOfWork:
    for question, value in (
        (Question.SATISFIED, int(satisfied)),
        (Question.SPEED, 5),
        (Question.ATTITUDE, 4),
        (Question.QUALITY, 3),
        (Question.COMMENT, comment),
    ):
        async with uows() as uow:
            await callbacks.answer(uow, callback_id, person, question, value)
            said = list(uow.take_news())
            await uow.commit()
    return said  # type: ignore[return-value]


async def _status(uows: UnitOfWorkFactory, order_id: int) -> OrderStatus:
    async with uows() as uow:
        return (await orders.get(uow, order_id)).status


async def _actions(uows: UnitOfWorkFactory, order_id: int) -> list[str]:
    async with uows() as uow:
        return [e.action for e in await orders.timeline(uow, order_id)]


def test_settings_defaults_and_overrides() -> None:
    default = callbacks.settings_of({})
    assert default.delay == timedelta(hours=24) and default.reminder == timedelta(hours=24)
    assert default.policy_for(OrderKind.IN_HOME_REPAIR) is Policy.ALWAYS
    assert default.policy_for(OrderKind.HOUSEKEEPING) is Policy.ALWAYS
    assert default.policy_for(OrderKind.PRAISE) is Policy.NEVER
    assert default.policy_for(OrderKind.INQUIRY) is Policy.NEVER
    own = callbacks.settings_of(
        {"callbacks": {"delay_hours": 0, "policy": {"housekeeping": "never", "complaint": "never"}}}
    )
    assert own.delay == timedelta(0)
    assert own.policy_for(OrderKind.HOUSEKEEPING) is Policy.NEVER
    assert own.policy_for(OrderKind.COMPLAINT) is Policy.ALWAYS  # complaints always
    for bad in ({"delay_hours": -1}, {"policy": {"repair": "always"}}, {"policy": {"alarm": "x"}}):
        with pytest.raises(InvalidInput):
            callbacks.settings_of({"callbacks": bad})


def test_questions_are_estate_data_in_both_scripts() -> None:
    assert "满意" in callbacks.question_text({}, Question.SATISFIED, "zh_Hans")
    assert "滿意" in callbacks.question_text({}, Question.SATISFIED, "zh_Hant")
    own = {"callback_questions": {"speed": {"zh_Hans": "来得快吗？", "zh_Hant": "來得快嗎？"}}}
    assert callbacks.question_text(own, Question.SPEED, "zh_Hant") == "來得快嗎？"
    assert "态度" in callbacks.question_text(own, Question.ATTITUDE, "zh_Hans")


async def test_due_after_the_delay_asked_once_reminded_once(uows: UnitOfWorkFactory) -> None:
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    callback = await _callback(uows, order_id)
    assert callback.status is callbacks.Status.WAITING
    assert callback.next_question is Question.SATISFIED
    said = Said()
    uows.clock.advance(timedelta(hours=23, minutes=59))  # type: ignore[attr-defined]
    assert await callbacks.sweep(uows, said) == {}
    uows.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    assert await callbacks.sweep(uows, said) == {"asked": 1}
    assert await callbacks.sweep(uows, said) == {}  # idempotent
    assert [(a.callback_id, a.reminder) for a in said.asked()] == [(callback.id, False)]
    # One answer kept; the rest unanswered a day later: one reminder, never two.
    async with uows() as uow:
        view = await callbacks.answer(uow, callback.id, reporter, Question.SATISFIED, 1)
        await uow.commit()
    assert view.next_question is Question.SPEED
    uows.clock.advance(timedelta(hours=24))  # type: ignore[attr-defined]
    assert await callbacks.sweep(uows, said) == {"reminded": 1}
    uows.clock.advance(timedelta(hours=24))  # type: ignore[attr-defined]
    assert await callbacks.sweep(uows, said) == {}
    assert [a.reminder for a in said.asked()] == [False, True]
    assert await _status(uows, order_id) is OrderStatus.CONFIRMED


async def test_satisfied_calls_back_and_closes(uows: UnitOfWorkFactory) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, delay_hours=0)
        await uow.commit()
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    callback = await _callback(uows, order_id)
    assert callback.status is callbacks.Status.ASKED  # delay 0: asked at confirmation
    # Only the order's resident may answer, a score only 1 to 5.
    async with uows() as uow:
        with pytest.raises(PermissionDenied):
            await callbacks.answer(uow, callback.id, reporter + 1000, Question.SATISFIED, 1)
        with pytest.raises(InvalidInput):
            await callbacks.answer(uow, callback.id, reporter, Question.SPEED, 6)
    said = await _answer_all(uows, callback.id, reporter, True, "师傅很细心")
    assert await _status(uows, order_id) is OrderStatus.CLOSED
    actions = await _actions(uows, order_id)
    assert actions[-3:] == ["confirm", "call_back", "close"]
    async with uows() as uow:
        events = await orders.timeline(uow, order_id)
    assert "satisfied" in (events[-2].note or "") and "师傅很细心" in (events[-2].note or "")
    assert any(isinstance(item, news.CallbackAnswered) for item in said)
    async with uows() as uow:
        with pytest.raises(AlreadyAnswered):
            await callbacks.answer(uow, callback.id, reporter, Question.SATISFIED, 0)


async def test_not_satisfied_reopens_then_a_second_round(uows: UnitOfWorkFactory) -> None:
    from core.services import jobs

    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, delay_hours=0)
        await uow.commit()
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    async with uows() as uow:
        row = await uow.session.get_one(Order, order_id)
        team_before = row.team_id
    first = await _callback(uows, order_id)
    said = await _answer_all(uows, first.id, reporter, False, "还是漏")
    assert await _status(uows, order_id) is OrderStatus.REGISTERED
    assert (await _actions(uows, order_id))[-2:] == ["call_back", "reopen"]
    reasons = [i.reason for i in said if isinstance(i, news.NeedsDispatch)]
    assert reasons == [news.DeskReason.REOPENED]
    async with uows() as uow:
        assert (await uow.session.get_one(Order, order_id)).team_id == team_before
    # Completed and confirmed again: the second round.
    async with uows() as uow:
        row = await uow.session.get_one(Order, order_id)
        row.status = OrderStatus.COMPLETED
        await jobs.confirm(uow, order_id, reporter)
        await uow.commit()
    second = await _callback(uows, order_id)
    assert second.round == 2 and second.id != first.id
    await _answer_all(uows, second.id, reporter, True)
    assert await _status(uows, order_id) is OrderStatus.CLOSED


async def test_complaint_waits_for_its_supervisor(uows: UnitOfWorkFactory) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, delay_hours=0, policy={"complaint": "never"})
        await uow.commit()
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter, OrderKind.COMPLAINT)
    callback = await _callback(uows, order_id)
    await _answer_all(uows, callback.id, reporter, True)
    assert await _status(uows, order_id) is OrderStatus.CALLED_BACK
    async with uows() as uow:
        technician = await directory.staff_person(uow, estate_id, "13800000001")
        supervisor = await directory.staff_person(uow, estate_id, "13800000004")
        with pytest.raises(PermissionDenied):
            await callbacks.close_complaint(uow, order_id, technician)
        with pytest.raises(PermissionDenied):
            await callbacks.close_complaint(uow, order_id, reporter)
    async with uows() as uow:
        await callbacks.close_complaint(uow, order_id, supervisor)
        await uow.commit()
    assert await _status(uows, order_id) is OrderStatus.CLOSED
    async with uows() as uow:
        last = (await orders.timeline(uow, order_id))[-1]
    assert (last.action, last.actor_id) == (str(Action.CLOSE), supervisor)


async def test_kinds_never_called_back_close_at_confirmation(uows: UnitOfWorkFactory) -> None:
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter, OrderKind.PRAISE)
    assert await _status(uows, order_id) is OrderStatus.CLOSED
    async with uows() as uow:
        assert await callbacks.of_order(uow, order_id) == []


async def test_no_rating_policy_asks_at_confirmation(uows: UnitOfWorkFactory) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, policy={"in_home_repair": "no_rating"})
        await uow.commit()
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter)
    callback = await _callback(uows, order_id)
    assert callback.status is callbacks.Status.ASKED  # the rating at confirmation, delay 24
    await _answer_all(uows, callback.id, reporter, True)
    assert await _status(uows, order_id) is OrderStatus.CLOSED


async def test_phone_list_then_no_answer_three_times_closes(uows: UnitOfWorkFactory) -> None:
    """Listed the next morning: a resident with no chat (never asked in chat), a complaint, a
    chat callback unanswered after its reminder; not one answered. Three unanswered calls
    close the order as not reached."""
    from datetime import time
    from zoneinfo import ZoneInfo

    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, delay_hours=0)
        await uow.commit()
    no_chat = await confirmed_order(uows, await _resident(uows, chat=False))
    complaint = await confirmed_order(uows, await _resident(uows), OrderKind.COMPLAINT)
    reminded = await confirmed_order(uows, await _resident(uows))
    fresh = await confirmed_order(uows, await _resident(uows))
    assert (await _callback(uows, no_chat)).phone
    said = Said()
    uows.clock.advance(timedelta(hours=24))  # type: ignore[attr-defined]
    await callbacks.sweep(uows, said)  # reminders: the two chat callbacks of repairs
    reminded_ids = {a.callback_id for a in said.asked() if a.reminder}
    no_chat_cb = await _callback(uows, no_chat)
    assert no_chat_cb.id not in reminded_ids  # a phone callback is never asked in chat
    # `fresh` is answered in full after its reminder: off the list.
    fresh_cb = await _callback(uows, fresh)
    await _answer_all(uows, fresh_cb.id, (await _reporter(uows, fresh)), True)

    async def listed_now() -> list[int]:
        now = uows.clock.now()  # type: ignore[attr-defined]
        day = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        since = datetime.combine(day, time(), ZoneInfo("Asia/Shanghai"))
        async with uows() as uow:
            ids = await callbacks.phone_list(uow, estate_id, since)
            await uow.commit()
        return ids

    expected = [
        no_chat_cb.id,
        (await _callback(uows, complaint)).id,
        (await _callback(uows, reminded)).id,
    ]
    assert await listed_now() == expected
    async with uows() as uow:
        dispatcher = await directory.staff_person(uow, estate_id, "13800000003")
        technician = await directory.staff_person(uow, estate_id, "13800000001")
        with pytest.raises(PermissionDenied):
            await callbacks.no_answer(uow, no_chat_cb.id, technician)
    for attempt in range(1, 4):
        async with uows() as uow:
            view = await callbacks.no_answer(uow, no_chat_cb.id, dispatcher)
            await uow.commit()
        assert view.phone_tries == attempt
        if attempt < 3:
            uows.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
            assert no_chat_cb.id in await listed_now()  # tried again the next day
    assert view.status is callbacks.Status.NOT_REACHED
    assert await _status(uows, no_chat) is OrderStatus.CLOSED
    assert (await _actions(uows, no_chat))[-4:] == ["no_answer"] * 3 + ["close"]
    assert no_chat_cb.id not in await listed_now()
    # The desk records the complaint's answers by phone: marked so, and it waits for the
    # supervisor like any complaint.
    complaint_cb = await _callback(uows, complaint)
    await _answer_all(uows, complaint_cb.id, dispatcher, True, "电话里说满意")
    kept = await _callback(uows, complaint)
    assert kept.by_phone and kept.status is callbacks.Status.ANSWERED
    assert await _status(uows, complaint) is OrderStatus.CALLED_BACK


async def _reporter(uows: UnitOfWorkFactory, order_id: int) -> int:
    async with uows() as uow:
        reporter = (await orders.get(uow, order_id)).reporter_id
    assert reporter is not None
    return reporter
