"""Conversation state in the database: which dialog, which step, what was answered so far.

Each change is one statement (an upsert, or a delete), so the state read at an update's arrival
(core.services.arrival) needs no row held for the save. On PostgreSQL that statement can ride
along with another one (`written_along`): an update's reply writes the dialog's new state in
its own statement (core.services.outbox.enqueue), a round trip less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import CTE, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import as_utc
from core.models import ConversationState
from core.uow import UnitOfWork

DRAFT_LIFETIME = timedelta(days=1)


@dataclass
class DialogState:
    dialog: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StateWrite:
    """A dialog's state to write along with another statement; `state` None deletes it."""

    identity_id: int
    state: DialogState | None


def current(
    dialog: str | None, step: str | None, data: Any, updated_at: datetime | None, now: datetime
) -> DialogState | None:
    """A stored state as the dialog in progress; None when there is none, or its draft was left
    for over a day and has expired. The data is the caller's own copy to change."""
    if dialog is None or step is None or updated_at is None:
        return None
    if now - as_utc(updated_at) > DRAFT_LIFETIME:
        return None
    return DialogState(dialog, step, dict(data or {}))


async def load(uow: UnitOfWork, identity_id: int) -> DialogState | None:
    """The dialog in progress, or None; an expired draft is deleted."""
    row = (
        await uow.session.execute(
            select(
                ConversationState.dialog,
                ConversationState.step,
                ConversationState.data,
                ConversationState.updated_at,
            ).where(ConversationState.identity_id == identity_id)
        )
    ).first()
    if row is None:
        return None
    state = current(row.dialog, row.step, row.data, row.updated_at, uow.clock.now())
    if state is None:
        await clear(uow, identity_id)
    return state


async def save(uow: UnitOfWork, identity_id: int, state: DialogState) -> None:
    await uow.session.execute(
        _upsert(uow.dialect), along_params(StateWrite(identity_id, state), uow.clock.now())
    )


@cache
def _upsert(dialect: str) -> Any:
    """Built once per dialect, on the table, with parameters named apart from the columns."""
    table = ConversationState.__table__
    values = {
        column: bindparam(f"c_{column}", type_=table.c[column].type)
        for column in ("dialog", "step", "data", "updated_at")
    }
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .values(identity_id=bindparam("c_identity_id"), **values)
        .on_conflict_do_update(index_elements=[table.c.identity_id], set_=values)
    )


async def clear(uow: UnitOfWork, identity_id: int) -> None:
    await uow.session.execute(_delete(), {"c_identity_id": identity_id})


@cache
def _delete() -> Any:
    """Built once, on the table: no state is ever loaded as an ORM object, so the ORM's delete
    (built and synchronised with the session at every call) had nothing to do."""
    table = ConversationState.__table__
    return delete(table).where(table.c.identity_id == bindparam("c_identity_id"))


@cache
def written_along(clear: bool) -> CTE:
    """The upsert (or, `clear`, the delete) as a CTE for another PostgreSQL statement to carry,
    with the parameters of `along_params`: the statement writes the state too."""
    statement = _delete() if clear else _upsert("postgresql")
    return statement.cte("dialog_cleared" if clear else "dialog_saved")


def along_params(write: StateWrite, now: datetime) -> dict[str, Any]:
    if write.state is None:
        return {"c_identity_id": write.identity_id}
    return {
        "c_identity_id": write.identity_id,
        "c_dialog": write.state.dialog,
        "c_step": write.state.step,
        "c_data": write.state.data,
        "c_updated_at": now,
    }
