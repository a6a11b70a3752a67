"""A worker's authority is the role they hold now in the order's estate, not the order's
assignee column: a worker whose role is taken away can do nothing more to the jobs he held, and
taking the role away sends his open jobs back to the desk. A forged grab learns nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.enums import OrderKind, OrderStatus, Role
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.lifecycle import Action, Actor
from core.models import Estate, OrderAttachment, StaffRole
from core.services import directory, dispatch, jobs, orders, people
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ZHANG, DESK, RESIDENT = "13800000001", "13800000003", "13900000001"


async def bx(uows: UnitOfWorkFactory) -> int:
    async with uows() as uow:
        return (await directory.require_estate(uow, "BX")).id


async def person(uows: UnitOfWorkFactory, phone: str) -> int:
    async with uows() as uow:
        found = await people.find_by_phone(uow, phone)
        assert found is not None
        return found


async def technician(uows: UnitOfWorkFactory, name: str, phone: str) -> int:
    async with uows() as uow:
        estate = await bx(uows)
        team = await directory.get_team(uow, estate, "工程组")
        assert team is not None
        await directory.ensure_staff(uow, estate, name, phone, Role.TECHNICIAN, team.id)
        await uow.commit()
    return await person(uows, phone)


STEPS = {
    OrderStatus.DISPATCHED: [],
    OrderStatus.ACCEPTED: [jobs.accept],
    OrderStatus.EN_ROUTE: [jobs.accept, jobs.depart],
    OrderStatus.ON_SITE: [jobs.accept, jobs.arrive],
}


async def job(uows: UnitOfWorkFactory, worker: int, status: OrderStatus) -> int:
    """A resident's in-home repair, dispatched to `worker` and brought to `status` by him."""
    estate, desk, reporter = await bx(uows), await person(uows, DESK), await person(uows, RESIDENT)
    async with uows() as uow:
        order = await orders.register(
            uow,
            NewOrder(estate, OrderKind.IN_HOME_REPAIR, "水管漏水", reporter),
            Actor(reporter, frozenset({Role.RESIDENT})),
        )
        await dispatch.dispatch(uow, order.id, worker, desk)
        for act in STEPS.get(status, [jobs.accept, jobs.arrive]):
            await act(uow, order.id, worker)
        if status is OrderStatus.COMPLETED:
            await jobs.complete(
                uow, order.id, worker, jobs.CompletionReport("换了软管", after=("photo-1",))
            )
        await uow.commit()
        return order.id


async def snapshot(uows: UnitOfWorkFactory, order_id: int) -> tuple:
    async with uows() as uow:
        order = await orders.get(uow, order_id)
        events = await orders.timeline(uow, order_id)
        files = await uow.session.scalar(
            select(func.count()).where(OrderAttachment.order_id == order_id)
        )
        return (order.status, order.assignee_id, order.fee, order.window_start, len(events), files)


async def refused(uows: UnitOfWorkFactory, act) -> DomainError:
    """`act(uow)` raises a refusal; whatever it did is rolled back, as the bot does."""
    async with uows() as uow:
        with pytest.raises(PermissionDenied) as raised:
            await act(uow)
    return raised.value


async def test_a_worker_without_the_role_can_do_nothing_to_the_jobs_he_held(
    uows: UnitOfWorkFactory,
) -> None:
    zhang = await technician(uows, "张师傅", ZHANG)
    dispatched = await job(uows, zhang, OrderStatus.DISPATCHED)
    accepted = await job(uows, zhang, OrderStatus.ACCEPTED)
    on_site = await job(uows, zhang, OrderStatus.ON_SITE)
    async with uows() as uow:
        assert {o.id for o in await jobs.my_jobs(uow, zhang)} == {dispatched, accepted, on_site}
        # His technician post goes inactive by any road (here straight in the table, so that the
        # jobs stay his on paper). A role elsewhere, or another role here, does not do instead.
        await uow.session.execute(
            update(StaffRole).where(StaffRole.person_id == zhang).values(active=False)
        )
        elsewhere = await directory.create_estate(uow, "QT", "别的小区")
        await people.grant_role(uow, zhang, elsewhere.id, Role.TECHNICIAN)
        await people.grant_role(uow, zhang, await bx(uows), Role.HOUSEKEEPER)
        await uow.commit()
    before = {o: await snapshot(uows, o) for o in (dispatched, accepted, on_site)}

    start = MONDAY_9 + timedelta(hours=5)
    fee = jobs.CompletionReport("换了软管", fee=Decimal(80), after=("photo-1",))
    for act in [
        lambda uow: jobs.accept(uow, dispatched, zhang),
        lambda uow: jobs.decline(uow, dispatched, zhang, "不去"),
        lambda uow: jobs.depart(uow, accepted, zhang),
        lambda uow: jobs.arrive(uow, accepted, zhang),
        lambda uow: jobs.set_appointment(uow, accepted, zhang, start, start + timedelta(hours=1)),
        lambda uow: jobs.cannot_finish(uow, accepted, zhang, "缺零件"),
        lambda uow: jobs.reveal_phone(uow, accepted, zhang),
        lambda uow: jobs.relay(uow, accepted, zhang, "我马上到"),  # the relay to the resident
        lambda uow: jobs.no_one_home(uow, on_site, zhang),
        lambda uow: jobs.complete(uow, on_site, zhang, fee),
        lambda uow: jobs.require_assignee(uow, on_site, zhang),
    ]:
        await refused(uows, act)

    async with uows() as uow:
        assert await jobs.my_jobs(uow, zhang) == []
    assert {o: await snapshot(uows, o) for o in before} == before


async def test_taking_the_role_away_returns_his_open_jobs_to_the_desk(
    uows: UnitOfWorkFactory,
) -> None:
    estate = await bx(uows)
    zhang = await technician(uows, "张师傅", ZHANG)
    li = await technician(uows, "李师傅", "13800000009")
    desk = await person(uows, DESK)
    held = {
        status: await job(uows, zhang, status)
        for status in (
            OrderStatus.DISPATCHED,
            OrderStatus.ACCEPTED,
            OrderStatus.EN_ROUTE,
            OrderStatus.ON_SITE,
        )
    }
    completed = await job(uows, zhang, OrderStatus.COMPLETED)
    colleagues = await job(uows, li, OrderStatus.ACCEPTED)
    untouched = {o: await snapshot(uows, o) for o in (completed, colleagues)}

    # A role his jobs do not need: taking it away changes nothing.
    async with uows() as uow:
        await people.grant_role(uow, zhang, estate, Role.HOUSEKEEPER)
        assert await people.revoke_role(uow, zhang, estate, Role.HOUSEKEEPER) == []
        await uow.commit()

    async with uows() as uow:
        returned = await people.revoke_role(uow, zhang, estate, Role.TECHNICIAN, by=desk)
        await uow.commit()
    assert [o.id for o in returned] == list(held.values())
    assert all(o.status is OrderStatus.REGISTERED and o.assignee_id is None for o in returned)

    async with uows() as uow:
        for status, order_id in held.items():
            order = await orders.get(uow, order_id)
            assert (order.status, order.assignee_id) == (OrderStatus.REGISTERED, None)
            last = (await orders.timeline(uow, order_id))[-1]
            assert (last.action, last.actor_id, last.from_status, last.to_status) == (
                Action.RETURN_TO_DESK,
                desk,
                status,
                OrderStatus.REGISTERED,
            )
            assert last.note is not None and "technician" in last.note
        assert await jobs.my_jobs(uow, zhang) == []
    assert {o: await snapshot(uows, o) for o in untouched} == untouched

    # Back at the desk, the job goes to a colleague as any other.
    async with uows() as uow:
        order = await dispatch.dispatch(uow, held[OrderStatus.ON_SITE], li, desk)
        await jobs.accept(uow, order.id, li)
        await uow.commit()

    # Running it again (or with nothing left to return) returns nothing; the system may do it.
    async with uows() as uow:
        assert await people.revoke_role(uow, zhang, estate, Role.TECHNICIAN) == []


async def test_a_forged_grab_learns_nothing(uows: UnitOfWorkFactory) -> None:
    estate = await bx(uows)
    zhang = await technician(uows, "张师傅", ZHANG)
    li = await technician(uows, "李师傅", "13800000009")
    reporter = await person(uows, RESIDENT)
    taken = await job(uows, zhang, OrderStatus.ACCEPTED)
    async with uows() as uow:
        posted = await orders.register(
            uow,
            NewOrder(estate, OrderKind.IN_HOME_REPAIR, "灯不亮", reporter),
            Actor(reporter, frozenset({Role.RESIDENT})),
        )
        await dispatch.post_for_grab(uow, posted.id, None)
        await uow.commit()

    async def grab(order_id: int, who: int | None) -> DomainError:
        async with uows() as uow:
            with pytest.raises(DomainError) as raised:
                await dispatch.grab(uow, order_id, who)
            return raised.value

    missing = await grab(999_999, reporter)
    for answer in (await grab(taken, reporter), await grab(posted.id, reporter)):
        assert (type(answer), answer.message_id) == (type(missing), missing.message_id)
    assert isinstance(missing, NotFound)
    # A colleague of the team is told the truth: someone else was quicker.
    assert isinstance(await grab(taken, li), dispatch.AlreadyTaken)

    # A worker whose role was taken away is nobody the job is offered to.
    async with uows() as uow:
        await people.revoke_role(uow, li, estate, Role.TECHNICIAN)
        await uow.commit()
    answer = await grab(posted.id, li)
    assert (type(answer), answer.message_id) == (type(missing), missing.message_id)


async def test_my_jobs_of_nobody_is_empty(uows: UnitOfWorkFactory) -> None:
    """Someone not bound to anyone has no jobs (not those without an assignee yet)."""
    estate, reporter = await bx(uows), await person(uows, RESIDENT)
    async with uows() as uow:
        posted = await orders.register(
            uow,
            NewOrder(estate, OrderKind.IN_HOME_REPAIR, "灯不亮", reporter),
            Actor(reporter, frozenset({Role.RESIDENT})),
        )
        await dispatch.post_for_grab(uow, posted.id, None)
        assert await jobs.my_jobs(uow, None) == []


async def test_a_repair_is_completed_with_an_after_photo_or_the_reason_why_none(
    uows: UnitOfWorkFactory,
) -> None:
    zhang = await technician(uows, "张师傅", ZHANG)
    first = await job(uows, zhang, OrderStatus.ON_SITE)
    bare = jobs.CompletionReport("换了软管")
    async with uows() as uow:
        with pytest.raises(InvalidInput) as raised:
            await jobs.complete(uow, first, zhang, bare)
    assert raised.value.message_id == jobs.NO_AFTER_PHOTO
    why = jobs.CompletionReport("换了软管", no_photo_reason="住户不便拍照")
    async with uows() as uow:
        done, _ = await jobs.complete(uow, first, zhang, why)
        await uow.commit()
        steps = await orders.timeline(uow, first)
    assert done.status is OrderStatus.COMPLETED
    assert steps[-1].note is not None and "住户不便拍照" in steps[-1].note  # traceable

    second = await job(uows, zhang, OrderStatus.ON_SITE)
    async with uows() as uow:  # an estate that does not ask for photos
        estate = await uow.session.get_one(Estate, await bx(uows))
        estate.settings = {**(estate.settings or {}), "completion_photos": "optional"}
        await uow.commit()
    async with uows() as uow:
        done, _ = await jobs.complete(uow, second, zhang, bare)
        await uow.commit()
    assert done.status is OrderStatus.COMPLETED
