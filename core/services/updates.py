"""De-duplication of incoming updates: Telegram delivers at least once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.models import ProcessedUpdate
from core.uow import UnitOfWork


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


async def forget_older_than(uow: UnitOfWork, age: timedelta) -> int:
    result = await uow.session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < uow.clock.now() - age)
    )
    return result.rowcount or 0
