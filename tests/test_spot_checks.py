"""Spot checks (seed 002 篇3 4.1.2.3): a share of completed home services goes to the desk's
phone list as a check call, chosen from the order's id (no randomness: tests and replicas agree),
recorded on the order; other kinds are never sampled."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from test_callback_rules import _estate_id, _resident, confirmed_order

from core.enums import OrderKind
from core.errors import InvalidInput
from core.models import Estate
from core.services import callbacks, orders
from core.services.callbacks import spot_check_share, spot_checked
from core.uow import UnitOfWorkFactory


def test_the_share_is_kept_over_any_run_of_orders() -> None:
    for share in (0.05, 0.10, 0.25):
        for first in (1, 777, 40_000):
            picked = sum(spot_checked(order_id, share) for order_id in range(first, first + 1000))
            assert abs(picked - 1000 * share) <= 2, (share, first, picked)
    assert not any(spot_checked(order_id, 0) for order_id in range(1, 1000))
    assert all(spot_checked(order_id, 1) for order_id in range(1, 1000))
    # Evenly spread: at 10 % no run of 20 orders goes unchecked.
    checked = [order_id for order_id in range(1, 5000) if spot_checked(order_id, 0.10)]
    assert max(b - a for a, b in pairwise(checked)) < 20


def test_the_share_is_an_estate_setting() -> None:
    assert spot_check_share({}) == pytest.approx(0.10)
    assert spot_check_share({"spot_check_share": 0.3}) == pytest.approx(0.3)
    for bad in (-0.1, 1.5, "many"):
        with pytest.raises(InvalidInput):
            spot_check_share({"spot_check_share": bad})


async def _set_share(uows: UnitOfWorkFactory, share: float) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, estate_id)
        estate.settings = {**(estate.settings or {}), "spot_check_share": share}
        await uow.commit()


async def test_a_sampled_home_service_is_called_by_the_desk(uows: UnitOfWorkFactory) -> None:
    await _set_share(uows, 1.0)  # every one
    reporter = await _resident(uows)
    order_id = await confirmed_order(uows, reporter, OrderKind.HOUSEKEEPING)
    async with uows() as uow:
        [callback] = await callbacks.of_order(uow, order_id)
        actions = [e.action for e in await orders.timeline(uow, order_id)]
    assert callback.spot_check and callback.phone  # by phone, though the resident has a chat
    assert actions[-2:] == ["confirm", "spot_check"]
    # Asked when due like any callback, then on the next morning's phone list.
    uows.clock.advance(timedelta(hours=24))  # type: ignore[attr-defined]
    async with uows() as uow:
        assert await callbacks.handle_due(uow, callback.id) == "asked"
        assert uow.take_news() == []  # nothing in the resident's chat
        await uow.commit()
    uows.clock.advance(timedelta(hours=24))  # type: ignore[attr-defined]
    async with uows() as uow:
        estate_id = await _estate_id(uows)
        listed = await callbacks.phone_list(uow, estate_id, uows.clock.now())
    assert listed == [callback.id]


async def test_repairs_and_an_unsampled_share_are_not_checked(uows: UnitOfWorkFactory) -> None:
    await _set_share(uows, 1.0)
    reporter = await _resident(uows)
    repair = await confirmed_order(uows, reporter, OrderKind.IN_HOME_REPAIR)
    await _set_share(uows, 0.0)
    service = await confirmed_order(uows, reporter, OrderKind.HOUSEKEEPING)
    async with uows() as uow:
        for order_id in (repair, service):
            [callback] = await callbacks.of_order(uow, order_id)
            assert not callback.spot_check and not callback.phone
            assert "spot_check" not in [e.action for e in await orders.timeline(uow, order_id)]


async def test_sampled_even_where_home_services_are_never_called_back(
    uows: UnitOfWorkFactory,
) -> None:
    estate_id = await _estate_id(uows)
    async with uows() as uow:
        await callbacks.configure(uow, estate_id, policy={"housekeeping": "never"})
        await uow.commit()
    await _set_share(uows, 0.0)
    reporter = await _resident(uows)
    skipped = await confirmed_order(uows, reporter, OrderKind.HOUSEKEEPING)
    await _set_share(uows, 1.0)
    checked = await confirmed_order(uows, reporter, OrderKind.HOUSEKEEPING)
    async with uows() as uow:
        assert await callbacks.of_order(uow, skipped) == []
        [callback] = await callbacks.of_order(uow, checked)
    assert callback.spot_check
