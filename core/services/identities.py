"""Chat identities: a messaging account, its chat, its language and whom it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update

from core.models import ChatIdentity
from core.uow import UnitOfWork


@dataclass(frozen=True)
class IdentityView:
    id: int
    platform: str
    user_id: int
    chat_id: int
    person_id: int | None
    language_code: str | None
    locale: str | None
    current_unit_id: int | None
    blocked: bool
    greeted_on: date | None = None  # the local day of the last holiday greeting


def identity_view(row: Any) -> IdentityView:
    """From a ChatIdentity, or any row with its columns (core.services.arrival reads them)."""
    return IdentityView(
        id=row.id,
        platform=row.platform,
        user_id=row.user_id,
        chat_id=row.chat_id,
        person_id=row.person_id,
        language_code=row.language_code,
        locale=row.locale,
        current_unit_id=row.current_unit_id,
        blocked=row.blocked,
        greeted_on=row.greeted_on,
    )


async def touch(
    uow: UnitOfWork, platform: str, user_id: int, chat_id: int, language_code: str | None
) -> IdentityView:
    """The identity of whoever just wrote, created on first contact; writing again unblocks.

    Runs on every update, so a known person costs one statement: the UPDATE returns the row.
    """
    now = uow.clock.now()
    seen = {"last_seen_at": now, "blocked": False}
    if language_code:
        seen["language_code"] = language_code
    row = await uow.session.scalar(
        update(ChatIdentity)
        .where(ChatIdentity.platform == platform, ChatIdentity.user_id == user_id)
        .values(seen)
        .returning(ChatIdentity)
    )
    if row is None:
        row = ChatIdentity(
            platform=platform,
            user_id=user_id,
            chat_id=chat_id,
            language_code=language_code,
            created_at=now,
            last_seen_at=now,
            blocked=False,
        )
        uow.add(row)
        await uow.flush()
    return identity_view(row)


async def get(uow: UnitOfWork, identity_id: int) -> IdentityView:
    return identity_view(await uow.session.get_one(ChatIdentity, identity_id))


async def of_person(uow: UnitOfWork, person_id: int) -> list[IdentityView]:
    rows = await uow.session.scalars(
        select(ChatIdentity).where(ChatIdentity.person_id == person_id).order_by(ChatIdentity.id)
    )
    return [identity_view(r) for r in rows]


async def link_person(uow: UnitOfWork, identity_id: int, person_id: int) -> None:
    row = await uow.session.get_one(ChatIdentity, identity_id)
    row.person_id = person_id


async def set_locale(uow: UnitOfWork, identity_id: int, locale: str) -> None:
    row = await uow.session.get_one(ChatIdentity, identity_id)
    row.locale = locale


async def set_current_unit(uow: UnitOfWork, identity_id: int, unit_id: int | None) -> None:
    row = await uow.session.get_one(ChatIdentity, identity_id)
    row.current_unit_id = unit_id


async def mark_blocked(uow: UnitOfWork, chat_id: int) -> None:
    rows = await uow.session.scalars(select(ChatIdentity).where(ChatIdentity.chat_id == chat_id))
    for row in rows:
        row.blocked = True
