"""Merging reports of one public-area fault into an incident: the rules of a merge, the merged
order following the primary, the incident's reporters and the desk's merge candidates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.enums import OrderKind, OrderStatus
from core.errors import ForbiddenTransition, PermissionDenied
from core.lifecycle import Action, Actor
from core.services import directory, dispatch, incidents, orders, people
from core.services.incidents import (
    AlreadyMerged,
    MergeIntoItself,
    NotMergeable,
    NotPublicArea,
    OtherEstate,
)
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def estate_id(uows: UnitOfWorkFactory, code: str = "BX") -> int:
    async with uows() as uow:
        estate = await directory.get_estate(uow, code)
        if estate is None:
            estate = await directory.create_estate(uow, code, "别的小区")
            await uow.commit()
        return estate.id


async def staff(uows: UnitOfWorkFactory, phone: str) -> int:
    async with uows() as uow:
        return await directory.staff_person(uow, await estate_id(uows), phone)


async def resident(uows: UnitOfWorkFactory, name: str) -> int:
    async with uows() as uow:
        person = await people.create_person(uow, name, None)
        await uow.commit()
        return person


async def report(
    uows: UnitOfWorkFactory,
    estate: int,
    reporter: int | None = None,
    kind: OrderKind = OrderKind.PUBLIC_REPAIR,
    place: str = "电梯",
) -> int:
    async with uows() as uow:
        order = await orders.register(
            uow,
            NewOrder(estate, kind, "电梯不动了", reporter, place=place),
            Actor.system(),
        )
        await uow.commit()
        return order.id


async def merge(uows: UnitOfWorkFactory, order_id: int, primary_id: int, by: int | None):
    async with uows() as uow:
        done = await incidents.merge_into_incident(uow, order_id, primary_id, by)
        await uow.commit()
        return done


async def test_merge_then_follow_the_primary(uows: UnitOfWorkFactory) -> None:
    bx = await estate_id(uows)
    desk = await staff(uows, "13800000003")
    technician = await staff(uows, "13800000001")
    first, second = await resident(uows, "赵"), await resident(uows, "钱")
    primary = await report(uows, bx, first)
    other = await report(uows, bx, second)
    unrelated = await report(uows, bx, None, place="大堂")

    async with uows() as uow:
        offered = await incidents.merge_candidates(uow, other)
    assert [c.order_id for c in offered] == [primary, unrelated]

    done = await merge(uows, other, primary, desk)
    assert done.merged.number != done.primary.number
    async with uows() as uow:
        assert await incidents.reporters(uow, primary) == [first, second]
        merged_events = await orders.timeline(uow, other)
        primary_events = await orders.timeline(uow, primary)
        # A merged order is no longer offered nor offers anything.
        assert await incidents.merge_candidates(uow, other) == []
        assert other not in [c.order_id for c in await incidents.merge_candidates(uow, unrelated)]
    assert (merged_events[-1].action, merged_events[-1].note) == ("merge", done.primary.number)
    assert (primary_events[-1].action, primary_events[-1].note) == ("merge", done.merged.number)

    async with uows() as uow:
        await dispatch.dispatch(uow, primary, technician, desk)
        worker = await dispatch.estate_actor(uow, technician, bx)
        for action in (Action.ACCEPT, Action.DEPART, Action.ARRIVE, Action.COMPLETE):
            await orders.act(uow, primary, action, worker)
        await orders.act(uow, primary, Action.CONFIRM, Actor(first))
        await uow.commit()
    async with uows() as uow:
        follower = await orders.get(uow, other)
        actions = [e.action for e in await orders.timeline(uow, other)]
    assert follower.status is OrderStatus.CONFIRMED and follower.assignee_id is None
    assert actions == [
        "register",
        "merge",
        "dispatch",
        "accept",
        "depart",
        "arrive",
        "complete",
        "confirm",
    ]


async def test_merge_refusals(uows: UnitOfWorkFactory) -> None:
    bx = await estate_id(uows)
    elsewhere = await estate_id(uows, "QT")
    desk = await staff(uows, "13800000003")
    technician = await staff(uows, "13800000001")
    someone = await resident(uows, "孙")
    primary = await report(uows, bx, someone)
    other = await report(uows, bx)
    third = await report(uows, bx)

    with pytest.raises(MergeIntoItself):
        await merge(uows, primary, primary, desk)
    with pytest.raises(OtherEstate):
        await merge(uows, other, await report(uows, elsewhere), desk)
    with pytest.raises(PermissionDenied):  # a resident, even the primary's reporter
        await merge(uows, other, primary, someone)
    with pytest.raises(PermissionDenied):  # a worker is not the desk
        await merge(uows, other, primary, technician)
    with pytest.raises(NotPublicArea):
        await merge(uows, await report(uows, bx, kind=OrderKind.IN_HOME_REPAIR), primary, desk)

    closed = await report(uows, bx)
    async with uows() as uow:
        await dispatch.refuse(uow, closed, desk, "重复")
        await uow.commit()
    with pytest.raises(ForbiddenTransition):  # a closed order, either way round
        await merge(uows, other, closed, desk)
    with pytest.raises(ForbiddenTransition):
        await merge(uows, closed, primary, desk)

    dispatched = await report(uows, bx)
    async with uows() as uow:
        await dispatch.dispatch(uow, dispatched, technician, desk)
        await uow.commit()
    with pytest.raises(NotMergeable):  # already someone's job
        await merge(uows, dispatched, primary, desk)

    await merge(uows, other, primary, desk)
    with pytest.raises(AlreadyMerged):  # twice
        await merge(uows, other, primary, desk)
    with pytest.raises(AlreadyMerged):  # a merged order as primary
        await merge(uows, third, other, desk)
