"""Digest times per team (seed 002 篇3: housekeeping at 08:00 and 13:30, engineering at 09:00
and 13:30), on a FakeClock: a team with times of its own gets its digest then, claimed apart,
and the estate's digest leaves it out; the scheduler's tick keeps the teams' times, and a time
changed while the bot runs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.conversation.context import BotConfig
from bot.runtime.scheduler import Scheduler
from core import news, routines
from core.clock import FakeClock
from core.enums import OrderKind
from core.lifecycle import Actor
from core.models import RoutineRun, Team
from core.routines import Routine, TeamRoutine
from core.services import directory, orders
from core.services import estate_settings as settings_service
from core.services.orders import NewOrder
from core.uow import UnitOfWork, UnitOfWorkFactory

SHANGHAI_0759 = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)  # Monday 23 November, 07:59


class AlwaysLeads:
    async def is_leader(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def team_ids(uows: UnitOfWorkFactory) -> dict[str, int]:
    async with uows() as uow:
        return {team.name: team.id for team in await uow.session.scalars(select(Team))}


async def seed_times(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        for team, times in (("家政组", ["digest_am=08:00"]), ("工程组", ["digest_am=09:00"])):
            await settings_service.change(uow, "BX", times, "ops", team_name=team)
        await uow.commit()


async def waiting_orders(uows: UnitOfWorkFactory) -> None:
    """One order of each trade waiting for dispatch: each team's digest has something."""
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        for kind in (OrderKind.IN_HOME_REPAIR, OrderKind.HOUSEKEEPING):
            await orders.register(
                uow, NewOrder(estate.id, kind, "漏水", None, unit_id=unit.id), Actor.system()
            )
        await uow.commit()


async def run_due(uows: UnitOfWorkFactory) -> list[str]:
    """What the scheduler would run now, and the teams whose digest was announced."""
    async with uows() as uow:
        [estate] = await routines.estates(uow)
        due = await routines.due_routines(uow, estate)
    told = []
    for routine in due:
        async with uows() as uow:
            assert await routines.run_routine(uow, estate, routine)
            told += [
                item.digest.team_name
                for item in uow.take_news()
                if isinstance(item, news.DigestReady)
            ]
            await uow.commit()
    return told


async def test_each_team_gets_its_digest_at_its_own_time(uows: UnitOfWorkFactory) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    clock.set(SHANGHAI_0759)
    await seed_times(uows)
    await waiting_orders(uows)
    ids = await team_ids(uows)
    async with uows() as uow:
        [estate] = await routines.estates(uow)
        assert estate.team_times == {
            TeamRoutine(Routine.MORNING_DIGEST, ids["家政组"]): time(8, 0),
            TeamRoutine(Routine.MORNING_DIGEST, ids["工程组"]): time(9, 0),
        }
        assert await routines.due_routines(uow, estate) == []

    clock.advance(timedelta(minutes=1))  # 08:00: the estate's digest, then housekeeping's own
    async with uows() as uow:
        assert await routines.due_routines(uow, estate) == [
            Routine.MORNING_DIGEST,
            TeamRoutine(Routine.MORNING_DIGEST, ids["家政组"]),
        ]
    assert await run_due(uows) == ["家政组"]  # the estate's own digest leaves both teams out

    clock.advance(timedelta(minutes=59))  # 08:59: engineering's time has not come
    assert await run_due(uows) == []
    clock.advance(timedelta(minutes=1))  # 09:00
    async with uows() as uow:
        assert await routines.due_routines(uow, estate) == [
            Routine.PHONE_LIST,
            TeamRoutine(Routine.MORNING_DIGEST, ids["工程组"]),
        ]
    assert await run_due(uows) == ["工程组"]
    assert await run_due(uows) == []  # never twice

    clock.advance(timedelta(hours=4, minutes=30))  # 13:30: no team has its own afternoon time
    assert sorted(await run_due(uows)) == ["家政组", "工程组"]


async def test_a_team_without_times_of_its_own_follows_the_estate(
    uows: UnitOfWorkFactory,
) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    clock.set(SHANGHAI_0759)
    await waiting_orders(uows)
    async with uows() as uow:
        await settings_service.change(uow, "BX", ["digest_am=07:30"], "ops")
        await uow.commit()
    assert sorted(await run_due(uows)) == ["家政组", "工程组"]  # 07:30 has passed


async def routine_runs(uows: UnitOfWorkFactory) -> list[str]:
    async with uows() as uow:
        return sorted(await uow.session.scalars(select(RoutineRun.routine)))


async def test_the_scheduler_tick_keeps_the_teams_times(uows: UnitOfWorkFactory) -> None:
    clock: FakeClock = uows.clock  # type: ignore[assignment]
    clock.set(SHANGHAI_0759)
    await seed_times(uows)
    await waiting_orders(uows)
    ids = await team_ids(uows)
    told: list[str] = []

    class Scheduled(Scheduler):
        async def tell(self, uow: UnitOfWork) -> None:
            for item in uow.take_news():
                if isinstance(item, news.DigestReady):
                    told.append(item.digest.team_name)

    scheduler = Scheduled(uows, BotConfig(), AlwaysLeads())  # type: ignore[arg-type]
    await scheduler.tick()
    assert await routine_runs(uows) == []
    clock.advance(timedelta(minutes=1))  # 08:00
    await scheduler.tick()
    housekeeping = f"digest_am@{ids['家政组']}"
    assert await routine_runs(uows) == sorted(["digest_am", housekeeping])
    assert told == ["家政组"]

    # The office moves engineering's digest to 08:30 while the bot runs: the next tick keeps it.
    async with uows() as uow:
        await settings_service.change(uow, "BX", ["digest_am=08:30"], "ops", team_name="工程组")
        await uow.commit()
    clock.advance(timedelta(minutes=29))
    await scheduler.tick()
    assert told == ["家政组"]
    clock.advance(timedelta(minutes=1))  # 08:30
    await scheduler.tick()
    assert told == ["家政组", "工程组"]
    assert f"digest_am@{ids['工程组']}" in await routine_runs(uows)
