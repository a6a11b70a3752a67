"""The outbox senders alive now: each checks in every few seconds and learns how many there are,
so that together they stay under the bot-wide sending rate (Telegram's limit is per bot token,
whatever number of processes share it). A sender not seen for SEEN_WITHIN has died or lost the
database: it no longer counts, and its row goes once it is long gone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from core.models import Sender
from core.uow import UnitOfWork

SEEN_WITHIN = timedelta(seconds=15)
FORGOTTEN_AFTER = timedelta(hours=1)


async def check_in(uow: UnitOfWork, sender_id: str, now: datetime) -> int:
    """Marks `sender_id` as alive now; how many senders are alive, this one included."""
    seen = await uow.session.execute(
        update(Sender).where(Sender.id == sender_id).values(seen_at=now)
    )
    if seen.rowcount == 0:  # type: ignore[attr-defined]
        uow.add(Sender(id=sender_id, started_at=now, seen_at=now))
        await uow.flush()
    await uow.session.execute(delete(Sender).where(Sender.seen_at < now - FORGOTTEN_AFTER))
    alive = await uow.session.scalar(
        select(func.count()).select_from(Sender).where(Sender.seen_at >= now - SEEN_WITHIN)
    )
    return max(1, int(alive or 0))


async def check_out(uow: UnitOfWork, sender_id: str) -> None:
    """The sender stops: the others take its share at their next check-in."""
    await uow.session.execute(delete(Sender).where(Sender.id == sender_id))
