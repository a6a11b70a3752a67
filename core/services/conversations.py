"""Conversation state in the database: which dialog, which step, what was answered so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.clock import as_utc
from core.models import ConversationState
from core.uow import UnitOfWork

DRAFT_LIFETIME = timedelta(days=1)


@dataclass
class DialogState:
    dialog: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


async def load(uow: UnitOfWork, identity_id: int) -> DialogState | None:
    """The dialog in progress, or None; a draft left for over a day has expired."""
    row = await uow.session.get(ConversationState, identity_id)
    if row is None:
        return None
    if uow.clock.now() - as_utc(row.updated_at) > DRAFT_LIFETIME:
        await uow.session.delete(row)
        return None
    return DialogState(row.dialog, row.step, dict(row.data))


async def save(uow: UnitOfWork, identity_id: int, state: DialogState) -> None:
    row = await uow.session.get(ConversationState, identity_id)
    now = uow.clock.now()
    if row is None:
        uow.add(
            ConversationState(
                identity_id=identity_id,
                dialog=state.dialog,
                step=state.step,
                data=state.data,
                updated_at=now,
            )
        )
    else:
        row.dialog, row.step, row.data, row.updated_at = state.dialog, state.step, state.data, now


async def clear(uow: UnitOfWork, identity_id: int) -> None:
    row = await uow.session.get(ConversationState, identity_id)
    if row is not None:
        await uow.session.delete(row)
