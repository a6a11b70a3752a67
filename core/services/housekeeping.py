"""Housekeeping: what is kept only for a while goes once its time is up (seed 000: customer data
is not kept beyond its use).

- finished outbox messages (sent, failed, skipped): sealed, yet personal data all the same (job
  cards carry phone numbers, cards name people); kept `Retention.outbox`, a setting;
- the update ids remembered against Telegram's redelivery (core.services.updates.REMEMBER);
- dialog drafts left for longer than a draft lives (loading one deletes it anyway);
- the records of routine runs of past days (only today's are ever asked about);
- and, after the upgrade that sealed the outbox, payloads still stored as clear text are sealed.

Each kind goes in bounded batches, one transaction per batch, so that no table (SQLite: the
whole database) is held for long; a run goes on until a batch comes back short. The bot's
scheduler calls `prune` every hour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute

from core.models import ConversationState, RoutineRun
from core.services import outbox, updates
from core.services.conversations import DRAFT_LIFETIME
from core.uow import UnitOfWork, UnitOfWorkFactory

BATCH = 1000


@dataclass(frozen=True)
class Retention:
    outbox: timedelta = timedelta(days=7)
    processed_updates: timedelta = updates.REMEMBER
    drafts: timedelta = DRAFT_LIFETIME
    routine_runs: timedelta = timedelta(days=30)


@dataclass
class Pruned:
    """How many rows of each kind went (or, `sealed`, were sealed)."""

    outbox: int = 0
    sealed: int = 0
    processed_updates: int = 0
    drafts: int = 0
    routine_runs: int = 0

    def __bool__(self) -> bool:
        return any(asdict(self).values())


async def prune(
    uow_factory: UnitOfWorkFactory, retention: Retention | None = None, batch: int = BATCH
) -> Pruned:
    retention = retention or Retention()

    async def finished_messages(uow: UnitOfWork) -> int:
        return await outbox.purge_finished(uow, uow.clock.now() - retention.outbox, batch)

    async def clear_payloads(uow: UnitOfWork) -> int:
        return await outbox.seal_clear_payloads(uow, batch)

    async def update_ids(uow: UnitOfWork) -> int:
        return await updates.forget_older_than(uow, retention.processed_updates, batch)

    async def drafts(uow: UnitOfWork) -> int:
        return await _delete_some(
            uow,
            ConversationState.identity_id,
            ConversationState.updated_at < uow.clock.now() - retention.drafts,
            batch,
        )

    async def routine_runs(uow: UnitOfWork) -> int:
        return await _delete_some(
            uow,
            RoutineRun.id,
            RoutineRun.started_at < uow.clock.now() - retention.routine_runs,
            batch,
        )

    return Pruned(
        outbox=await _in_batches(uow_factory, finished_messages, batch),
        sealed=await _in_batches(uow_factory, clear_payloads, batch),
        processed_updates=await _in_batches(uow_factory, update_ids, batch),
        drafts=await _in_batches(uow_factory, drafts, batch),
        routine_runs=await _in_batches(uow_factory, routine_runs, batch),
    )


async def _in_batches(
    uow_factory: UnitOfWorkFactory, step: Callable[[UnitOfWork], Awaitable[int]], batch: int
) -> int:
    total = 0
    while True:
        async with uow_factory() as uow:
            done = await step(uow)
            await uow.commit()
        total += done
        if done < batch:
            return total
        await asyncio.sleep(0)  # let the updates' transactions in between


async def _delete_some(
    uow: UnitOfWork, key: InstrumentedAttribute[int], condition: ColumnElement[bool], limit: int
) -> int:
    """Deletes at most `limit` rows that meet `condition`, found by their primary `key`."""
    chosen = select(key).where(condition).order_by(key).limit(limit).scalar_subquery()
    result = await uow.session.execute(
        delete(key.class_).where(key.in_(chosen)).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
