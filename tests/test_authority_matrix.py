"""The authority matrix: every action on an order, tried by every kind of person — its resident,
another resident, its worker, another worker of the trade, a housekeeper, the desk, a supervisor,
the manager, a worker whose role was taken away, a stranger with no account — with the order at
the status where the action makes sense. Exactly the people who may do it succeed; everyone else
is refused with a domain error and nothing changes (status, worker, fee, time, timeline)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.enums import OrderKind, OrderStatus, Role
from core.errors import DomainError
from core.lifecycle import Action, Actor
from core.models import OrderAttachment
from core.services import directory, dispatch, jobs, orders, people
from core.services.orders import NewOrder
from core.uow import UnitOfWork, UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
PHONES = {
    "resident": "13900000001",
    "other_resident": "13900000003",
    "worker": "13800000001",
    "housekeeper": "13800000002",
    "desk": "13800000003",
    "supervisor": "13800000004",
    "manager": "13800000005",
    "other_worker": "13800000009",
    "removed_worker": "13800000008",
    "stranger": "13700000000",  # a person of no unit and no role (None would be the system)
}
WHO = list(PHONES)

Act = Callable[[UnitOfWork, int, int | None], Awaitable[object]]
LATER = MONDAY_9 + timedelta(hours=5)


async def _cancel(uow: UnitOfWork, order_id: int, who: int | None) -> object:
    order = await orders.get(uow, order_id)
    actor = await dispatch.estate_actor(uow, who, order.estate_id)
    return await orders.act(uow, order_id, Action.CANCEL, actor)


async def _complete(uow: UnitOfWork, order_id: int, who: int | None) -> object:
    report = jobs.CompletionReport("换了软管", fee=Decimal("50"), after=("photo-1",))
    return await jobs.complete(uow, order_id, who, report)


async def _appoint(uow: UnitOfWork, order_id: int, who: int | None) -> object:
    return await jobs.set_appointment(uow, order_id, who, LATER, LATER + timedelta(hours=1))


async def _dispatch_to_other(uow: UnitOfWork, order_id: int, who: int | None) -> object:
    other = await people.find_by_phone(uow, PHONES["other_worker"])
    assert other is not None
    return await dispatch.dispatch(uow, order_id, other, who)


# action: (the status it is tried at, the people who may do it)
MATRIX: dict[str, tuple[OrderStatus, set[str], Act]] = {
    "accept": (OrderStatus.DISPATCHED, {"worker"}, jobs.accept),
    "decline": (
        OrderStatus.DISPATCHED,
        {"worker"},
        lambda uow, o, who: jobs.decline(uow, o, who, "不在"),
    ),
    "depart": (OrderStatus.ACCEPTED, {"worker"}, jobs.depart),
    "arrive": (OrderStatus.ACCEPTED, {"worker"}, jobs.arrive),
    "no_one_home": (OrderStatus.ON_SITE, {"worker"}, jobs.no_one_home),
    "cannot_finish": (
        OrderStatus.ON_SITE,
        {"worker"},
        lambda uow, o, who: jobs.cannot_finish(uow, o, who, "缺零件"),
    ),
    "appointment": (
        OrderStatus.ACCEPTED,
        {"worker", "resident", "desk", "supervisor", "manager"},
        _appoint,
    ),
    "complete": (OrderStatus.ON_SITE, {"worker"}, _complete),
    "reveal_phone": (
        OrderStatus.ACCEPTED,
        {"worker", "desk", "supervisor", "manager"},
        jobs.reveal_phone,
    ),
    "relay": (
        OrderStatus.ACCEPTED,
        {"worker", "resident", "desk", "supervisor", "manager"},
        lambda uow, o, who: jobs.relay(uow, o, who, "您好"),
    ),
    "confirm": (OrderStatus.COMPLETED, {"resident"}, jobs.confirm),
    "dispute": (
        OrderStatus.COMPLETED,
        {"resident"},
        lambda uow, o, who: jobs.dispute(uow, o, who, "还在漏"),
    ),
    "cancel": (OrderStatus.REGISTERED, {"resident", "desk", "supervisor", "manager"}, _cancel),
    "refuse": (
        OrderStatus.REGISTERED,
        {"desk", "supervisor", "manager"},
        lambda uow, o, who: dispatch.refuse(uow, o, who, "不属于服务范围"),
    ),
    "dispatch": (
        OrderStatus.REGISTERED,
        {"desk", "supervisor", "manager"},
        _dispatch_to_other,
    ),
    "post_for_grab": (
        OrderStatus.REGISTERED,
        {"desk", "supervisor", "manager"},
        dispatch.post_for_grab,
    ),
    "grab": (OrderStatus.REGISTERED, set(), dispatch.grab),  # never posted: nobody grabs it
}


@pytest.fixture
async def matrix(uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """The sample estate, with a second technician and one whose role was taken away."""
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        team = await directory.get_team(uow, estate.id, "工程组")
        assert team is not None
        for name, who in (("李师傅", "other_worker"), ("周师傅", "removed_worker")):
            await directory.ensure_staff(
                uow, estate.id, name, PHONES[who], Role.TECHNICIAN, team.id
            )
        await people.create_person(uow, "路人", PHONES["stranger"])
        await uow.commit()
    async with uows() as uow:
        removed = await people.find_by_phone(uow, PHONES["removed_worker"])
        assert removed is not None
        await people.revoke_role(uow, removed, estate.id, Role.TECHNICIAN)
        await uow.commit()
    return uows


async def _people(uows: UnitOfWorkFactory) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    async with uows() as uow:
        for who, phone in PHONES.items():
            found[who] = await people.find_by_phone(uow, phone)
    return found


async def _order_at(uows: UnitOfWorkFactory, status: OrderStatus, ids: dict) -> int:
    """The resident's in-home repair, brought to `status` by the desk and the worker."""
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        resident = Actor(ids["resident"], frozenset({Role.RESIDENT}))
        new = NewOrder(estate.id, OrderKind.IN_HOME_REPAIR, "水管漏水", None, unit.id)
        order = await orders.register(uow, new, resident)
        await uow.session.flush()
        row = await uow.session.get_one(orders.Order, order.id)
        row.reporter_id = ids["resident"]
        worker = ids["worker"]
        if status is not OrderStatus.REGISTERED:
            await dispatch.dispatch(uow, order.id, worker, ids["desk"])
        if status in (OrderStatus.ACCEPTED, OrderStatus.ON_SITE, OrderStatus.COMPLETED):
            await jobs.accept(uow, order.id, worker)
        if status in (OrderStatus.ON_SITE, OrderStatus.COMPLETED):
            await jobs.arrive(uow, order.id, worker)
        if status is OrderStatus.COMPLETED:
            await jobs.complete(
                uow, order.id, worker, jobs.CompletionReport("换了软管", after=("photo-1",))
            )
        await uow.commit()
        assert (await orders.get(uow, order.id)).status is status
        return order.id


async def _snapshot(uows: UnitOfWorkFactory, order_id: int) -> tuple:
    async with uows() as uow:
        order = await orders.get(uow, order_id)
        events = await orders.timeline(uow, order_id)
        files = await uow.session.scalar(
            select(func.count()).where(OrderAttachment.order_id == order_id)
        )
    return (order.status, order.assignee_id, order.fee, order.window_start, len(events), files)


@pytest.mark.parametrize("action", sorted(MATRIX))
async def test_only_the_people_who_may_do_it_can(matrix: UnitOfWorkFactory, action: str) -> None:
    uows = matrix
    status, allowed, act = MATRIX[action]
    ids = await _people(uows)
    order_id = await _order_at(uows, status, ids)
    for who in WHO:
        before = await _snapshot(uows, order_id)
        async with uows() as uow:
            try:
                await act(uow, order_id, ids[who])
            except DomainError:
                done = False
            else:
                done = True
                await uow.commit()
        if done:  # the next person tries on a fresh order at the same status
            order_id = await _order_at(uows, status, ids)
        assert done == (who in allowed), f"{action} by {who}: {'done' if done else 'refused'}"
        if not done:
            assert await _snapshot(uows, order_id) == before, f"{action} by {who} changed it"
