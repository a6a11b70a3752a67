"""De-duplication of incoming updates: Telegram delivers at least once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.models import ProcessedUpdate
from core.uow import UnitOfWork

# Telegram keeps an update it could not deliver for 24 hours at most: remembering an id for
# longer than that, with a margin, catches every redelivery.
REMEMBER = timedelta(days=2)


async def claim(uow: UnitOfWork, platform: str, bot_id: int, update_id: int) -> bool:
    """True the first time an update is seen; the claim commits with the handling of the update."""
    insert = pg_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedUpdate)
        .values(platform=platform, bot_id=bot_id, update_id=update_id, processed_at=uow.clock.now())
        .on_conflict_do_nothing()
    )
    result = await uow.session.execute(statement)
    return bool(result.rowcount)


async def forget_older_than(uow: UnitOfWork, age: timedelta, limit: int | None = None) -> int:
    """Forgets the updates handled more than `age` ago: the `limit` oldest of them, or all."""
    old = ProcessedUpdate.processed_at < uow.clock.now() - age
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
