"""The feedback library (core/services/feedback.py): what feeds it (a callback's comment, written
or spoken, a dispute, a praise, and one insert for anything else such as surveys), and reading
it by estate, period, category, team, worker and source, newest first, paged; only supervisors
and managers of the estate read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_callback_rules import _answer_all, _callback, _estate_id, _resident, confirmed_order

from core.enums import OrderKind, OrderStatus
from core.errors import PermissionDenied
from core.lifecycle import Actor
from core.models import Category, Estate, Order
from core.services import callbacks, directory, feedback, jobs, orders, people
from core.services.callbacks import Question, VoiceComment
from core.services.feedback import Dimension, Filter, Source
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory


async def _person(uows: UnitOfWorkFactory, phone: str) -> int:
    async with uows() as uow:
        found = await people.find_by_phone(uow, phone)
    assert found is not None
    return found


async def _done_by(uows: UnitOfWorkFactory, order_id: int, worker: int, team: str) -> None:
    """The order's worker, team and category, as a dispatch would have left them."""
    async with uows() as uow:
        row = await uow.session.get_one(Order, order_id)
        estate = await directory.require_estate(uow, "BX")
        found = await directory.get_team(uow, estate.id, team)
        assert found is not None
        row.assignee_id, row.team_id = worker, found.id
        row.category_id = await uow.session.scalar(
            Category.__table__.select().with_only_columns(Category.id).limit(1)
        )
        await uow.commit()


async def test_sources_feed_it_and_filters_read_it(uows: UnitOfWorkFactory) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, delay_hours=0)
        estate = await uow.session.get_one(Estate, estate_id)
        estate.settings = {**estate.settings, "spot_check_share": 0}  # asked in chat
        await uow.commit()
    reporter = await _resident(uows)
    technician = await _person(uows, "13800000001")
    housekeeper = await _person(uows, "13800000002")

    # A written callback comment on a repair by 张师傅 (工程组).
    repair = await confirmed_order(uows, reporter)
    await _done_by(uows, repair, technician, "工程组")
    await _answer_all(uows, (await _callback(uows, repair)).id, reporter, True, "师傅很细心")
    uows.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]

    # A spoken one on a home service by 李阿姨 (家政组), two days later.
    service = await confirmed_order(uows, reporter, OrderKind.HOUSEKEEPING)
    await _done_by(uows, service, housekeeper, "家政组")
    spoken = (await _callback(uows, service)).id
    for question, value in (
        (Question.SATISFIED, 0),
        (Question.SPEED, 2),
        (Question.ATTITUDE, 2),
        (Question.QUALITY, 1),
        (Question.COMMENT, VoiceComment("voice-file-1", 12)),
    ):
        async with uows() as uow:
            await callbacks.answer(uow, spoken, reporter, question, value)
            await uow.commit()
    uows.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]

    # A praise, and a survey's comment (one insert, as the survey campaigns will make).
    async with uows() as uow:
        await orders.register(
            uow,
            NewOrder(estate_id, OrderKind.PRAISE, "感谢李阿姨打扫得干净", reporter),
            Actor(reporter),
        )
        survey = await feedback.record_feedback(
            uow, estate_id, "survey", "电梯太慢", rating=2, team=None
        )
        assert await feedback.record_feedback(uow, estate_id, "survey", "   ") is None
        await uow.commit()
    assert survey is not None

    everything = Filter(estate_id)
    async with uows() as uow:
        page = await feedback.search(uow, everything)
        assert page.total == 4
        assert [line.source for line in page.lines] == [
            Source.SURVEY,
            Source.PRAISE,
            Source.CALLBACK,
            Source.CALLBACK,
        ]  # newest first
        voice = page.lines[2]
        assert (voice.voice_ref, voice.voice_seconds, voice.text) == ("voice-file-1", 12, None)
        assert voice.worker == "李阿姨" and voice.team == "家政组" and voice.rating == 2
        written = page.lines[3]
        assert written.text == "师傅很细心" and written.worker == "张师傅"
        assert written.rating == 4 and written.category is not None

        by_worker = await feedback.search(uow, Filter(estate_id, worker_id=technician))
        assert [line.text for line in by_worker.lines] == ["师傅很细心"]
        team = await directory.get_team(uow, estate_id, "家政组")
        assert team is not None
        by_team = await feedback.search(uow, Filter(estate_id, team_id=team.id))
        assert [line.voice_ref for line in by_team.lines] == ["voice-file-1"]
        recent = Filter(estate_id, since=uows.clock.now() - timedelta(days=1))
        assert (await feedback.search(uow, recent)).total == 2
        older = Filter(estate_id, until=uows.clock.now() - timedelta(days=1))
        assert (await feedback.search(uow, older)).total == 2
        surveys = await feedback.search(uow, Filter(estate_id, source=Source.SURVEY))
        assert [line.text for line in surveys.lines] == ["电梯太慢"]
        # Paged: two at a time, the offset kept inside the list.
        second = await feedback.search(uow, everything, offset=2, limit=2)
        assert [line.id for line in second.lines] == [voice.id, written.id]
        assert (await feedback.search(uow, everything, offset=99, limit=2)).offset == 3
        # What the period can be narrowed to, most named first.
        workers = await feedback.options(uow, everything, Dimension.WORKER)
        assert sorted(option.name for option in workers) == ["张师傅", "李阿姨"]
        teams = await feedback.options(uow, everything, Dimension.TEAM)
        assert {option.name for option in teams} == {"工程组", "家政组"}


async def test_a_dispute_is_kept(uows: UnitOfWorkFactory) -> None:
    estate_id = await _estate_id(uows)
    reporter = await _resident(uows)
    async with uows() as uow:
        order = await orders.register(
            uow, NewOrder(estate_id, OrderKind.IN_HOME_REPAIR, "漏水", reporter), Actor.system()
        )
        (await uow.session.get_one(Order, order.id)).status = OrderStatus.COMPLETED
        await jobs.dispute(uow, order.id, reporter, "还在滴水")
        await uow.commit()
    async with uows() as uow:
        page = await feedback.search(uow, Filter(estate_id, source=Source.DISPUTE))
    assert [(line.text, line.order_number) for line in page.lines] == [("还在滴水", order.number)]


async def test_only_supervisors_and_managers_of_the_estate_read_it(
    uows: UnitOfWorkFactory,
) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        item = await feedback.record_feedback(
            uow, estate_id, Source.SURVEY, None, voice_ref="voice-2", voice_seconds=75
        )
        await uow.commit()
    assert item is not None
    for phone in ("13800000004", "13800000005"):  # supervisor, manager
        reader = await _person(uows, phone)
        async with uows() as uow:
            assert (await feedback.require_reader(uow, reader, estate_id)).code == "BX"
            assert await feedback.voice_of(uow, item, reader) == ("voice-2", 75)
    for phone in ("13800000001", "13800000003"):  # technician, dispatcher
        other = await _person(uows, phone)
        async with uows() as uow:
            with pytest.raises(PermissionDenied):
                await feedback.require_reader(uow, other, estate_id)
            with pytest.raises(PermissionDenied):
                await feedback.voice_of(uow, item, other)
    assert callbacks.clock_length(75) == "1:15" and callbacks.clock_length(12) == "0:12"
