"""Conversation state in the database: which dialog, which step, what was answered so far."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from core.clock import as_utc
from core.models import ConversationState
from core.uow import UnitOfWork

DRAFT_LIFETIME = timedelta(days=1)


@dataclass
class DialogState:
    dialog: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def _held(uow: UnitOfWork) -> dict[int, ConversationState]:
    """The rows this unit of work read, held on purpose.

    The session's identity map keeps rows only weakly: a row read in `load` and not changed is
    collected, and `save` would read it again. Holding it here for the life of the unit of work
    makes the update's dialog cost one read and, when it changes, one write.
    """
    return uow.session.info.setdefault("conversation_rows", {})


async def _row(uow: UnitOfWork, identity_id: int) -> ConversationState | None:
    row = _held(uow).get(identity_id)
    if row is None or row not in uow.session:  # gone with a rollback, or never read
        row = await uow.session.get(ConversationState, identity_id)
    return row


async def load(uow: UnitOfWork, identity_id: int) -> DialogState | None:
    """The dialog in progress, or None; a draft left for over a day has expired."""
    row = await uow.session.get(ConversationState, identity_id)
    if row is None:
        return None
    if uow.clock.now() - as_utc(row.updated_at) > DRAFT_LIFETIME:
        await uow.session.delete(row)
        return None
    _held(uow)[identity_id] = row
    # A deep copy: handlers change nested lists in place, and the held row must keep what was
    # read, or the save would find nothing changed.
    return DialogState(row.dialog, row.step, copy.deepcopy(row.data))


async def save(uow: UnitOfWork, identity_id: int, state: DialogState) -> None:
    row = await _row(uow, identity_id)
    now = uow.clock.now()
    if row is None:
        row = ConversationState(
            identity_id=identity_id,
            dialog=state.dialog,
            step=state.step,
            data=state.data,
            updated_at=now,
        )
        uow.add(row)
        _held(uow)[identity_id] = row
    else:
        row.dialog, row.step, row.data, row.updated_at = state.dialog, state.step, state.data, now
        flag_modified(row, "data")  # the dialog was changed: write it whatever the comparison says


async def clear(uow: UnitOfWork, identity_id: int) -> None:
    row = await _row(uow, identity_id)
    if row is not None:
        await uow.session.delete(row)
        _held(uow).pop(identity_id, None)
