"""Incoming updates: their receipts, and their de-duplication (Telegram delivers at least once).

An update is first `record`ed as received, with its payload, durably, before it is
acknowledged; its handling then `claim`s it in the transaction that handles it, which clears the
payload. What is recorded and never claimed (the process died in between) is `pending` and is
handled from its record. An update handled without a receipt (a front end that records none)
is claimed all the same: the claim inserts the row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db import json_dumps
from core.models import ProcessedUpdate
from core.uow import UnitOfWork

# Telegram keeps an update it could not deliver for 24 hours at most: remembering an id for
# longer than that, with a margin, catches every redelivery.
REMEMBER = timedelta(days=2)

log = logging.getLogger(__name__)

_TABLE = ProcessedUpdate.__table__
_KEY = ("platform", "bot_id", "update_id")


async def record(
    uow: UnitOfWork, platform: str, bot_id: int, received: Sequence[tuple[int, dict[str, Any]]]
) -> set[int]:
    """Records updates as received, with their payloads, in one statement; the ids of those
    not seen before (received again, or handled already: nothing changes)."""
    if not received:
        return set()
    now = uow.clock.now()
    rows = [
        {
            "r_platform": platform,
            "r_bot_id": bot_id,
            "r_update_id": update_id,
            "r_at": now,
            "r_payload": uow.cipher.encrypt(json_dumps(payload)),
        }
        for update_id, payload in received
    ]
    result = await uow.session.execute(_record_statement(uow.dialect), rows)
    return set(result.scalars())


async def claim(uow: UnitOfWork, platform: str, bot_id: int, update_id: int) -> bool:
    """True the first time an update is handled; the claim commits with the handling of the
    update. A recorded update is claimed by clearing its payload."""
    result = await uow.session.execute(
        _claim_statement(uow.dialect),
        {
            "c_platform": platform,
            "c_bot_id": bot_id,
            "c_update_id": update_id,
            "c_at": uow.clock.now(),
        },
    )
    return result.first() is not None


async def pending(
    uow: UnitOfWork, platform: str, bot_id: int, older_than: timedelta | None = None
) -> list[dict[str, Any]]:
    """The updates recorded and not handled, oldest first (received `older_than` ago, if
    given)."""
    query = (
        select(ProcessedUpdate.update_id, ProcessedUpdate.payload)
        .where(
            ProcessedUpdate.platform == platform,
            ProcessedUpdate.bot_id == bot_id,
            ProcessedUpdate.payload.is_not(None),
        )
        .order_by(ProcessedUpdate.update_id)
    )
    if older_than is not None:
        query = query.where(ProcessedUpdate.processed_at < uow.clock.now() - older_than)
    found = []
    for update_id, payload in await uow.session.execute(query):
        try:
            found.append(orjson.loads(uow.cipher.decrypt(payload) or "null"))
        except ValueError:  # another DATA_KEY: it cannot be read, so it cannot be handled
            log.error("update %s was recorded but cannot be read; left as it is", update_id)
    return found


async def forget_older_than(uow: UnitOfWork, age: timedelta, limit: int | None = None) -> int:
    """Forgets the updates handled more than `age` ago: the `limit` oldest of them, or all;
    never one received and still to be handled (its payload is kept until it is)."""
    old = (ProcessedUpdate.processed_at < uow.clock.now() - age) & ProcessedUpdate.payload.is_(None)
    if limit is None:
        result = await uow.session.execute(delete(ProcessedUpdate).where(old))
        return result.rowcount or 0
    key = (ProcessedUpdate.platform, ProcessedUpdate.bot_id, ProcessedUpdate.update_id)
    oldest = select(*key).where(old).order_by(ProcessedUpdate.processed_at).limit(limit)
    result = await uow.session.execute(
        delete(ProcessedUpdate)
        .where(tuple_(*key).in_(oldest))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _insert(dialect: str) -> Any:
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(_TABLE)


@cache
def _record_statement(dialect: str) -> Any:
    """Built once per dialect (see core.services.outbox), executed with one row per update."""
    return (
        _insert(dialect)
        .values(
            platform=bindparam("r_platform"),
            bot_id=bindparam("r_bot_id"),
            update_id=bindparam("r_update_id"),
            processed_at=bindparam("r_at", type_=_TABLE.c.processed_at.type),
            payload=bindparam("r_payload", type_=_TABLE.c.payload.type),
        )
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(_TABLE.c.update_id)
    )


@cache
def _claim_statement(dialect: str) -> Any:
    return claim_statement(
        _insert(dialect),
        platform=bindparam("c_platform"),
        bot_id=bindparam("c_bot_id"),
        update_id=bindparam("c_update_id"),
        now=bindparam("c_at", type_=_TABLE.c.processed_at.type),
    ).returning(_TABLE.c.update_id)


def claim_statement(insert: Any, platform: Any, bot_id: Any, update_id: Any, now: Any) -> Any:
    """INSERT the update as handled or, if it was recorded and is still pending, clear its
    payload: a RETURNING clause then returns a row, and only then. Also the claim inside the
    one statement of core.services.arrival. A concurrent claim of the same update waits for
    this one's transaction and then finds it handled."""
    return insert.values(
        platform=platform, bot_id=bot_id, update_id=update_id, processed_at=now
    ).on_conflict_do_update(
        index_elements=_KEY,
        set_={"payload": None, "processed_at": now},
        where=_TABLE.c.payload.is_not(None),
    )
