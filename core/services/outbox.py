"""The outbox: outgoing messages written in the same transaction as the change that caused them.

A sender drains it. A claim is a lease (the row's `not_before` moves into the future), so a
sender that dies mid-send leaves the message to be sent again rather than lost; on PostgreSQL
several senders share the work with FOR UPDATE SKIP LOCKED. Messages to one chat go in order:
a claim takes only the first pending message of each chat.

The sender that holds a lease renews it while the message is still queued or being sent
(`renew_leases`), so a lease runs out only when its holder stopped renewing it: it died, or has
not reached the database for most of a lease.

Leases and retries are wall-clock matters (Telegram's retry_after is in real seconds), so the
sender passes its own `now`; a new message has no `not_before` and is due at once.

The writer's lease: a unit of work that will deliver its own messages right after it commits (the
handling of an update: its answer should not wait for a sender to claim it) carries a
`WriterLease`. Its messages are written already leased to it, unless their chat has an earlier
message still pending that this process does not hold (waiting out a 429, leased by another
sender): then they wait their turn like any other. If the writer dies before sending, the lease
runs out and a sender takes them, as after a sender's own crash.

Payloads are personal data (a job card carries the resident's phone, a binding request their
name): each is stored sealed with the data key (core.crypto.Cipher.seal) and opened only when a
sender claims it. Finished messages are deleted after a retention (`purge_finished`).

Files the bot makes (a report's charts, its workbook) go with a message as uploads
(`OutgoingFile`: a kind, a file name, the bytes; the message's text is their caption). They are
kept in `outbox_files`, sealed like payloads, so that they survive a restart and are sent by the
same sender within the same limits; their bytes are deleted as soon as the message is finished
(sent, refused for good, blocked), not after the retention.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from core.crypto import Cipher, is_sealed
from core.enums import OutboxKind, OutboxStatus, UploadKind
from core.models import OutboxFile, OutboxMessage, UTCDateTime
from core.services import conversations, identities
from core.uow import UnitOfWork

LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8


# Telegram's limits for a bot's uploads.
UPLOAD_LIMITS = {UploadKind.PHOTO: 10 * 1024 * 1024, UploadKind.DOCUMENT: 50 * 1024 * 1024}


@dataclass(frozen=True)
class OutgoingFile:
    """A file the bot made and uploads: a chart as a picture, a workbook as a document."""

    kind: UploadKind
    filename: str
    content: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.content:
            raise ValueError("an upload needs content")
        if len(self.content) > UPLOAD_LIMITS[self.kind]:
            raise ValueError(f"{self.filename} is larger than Telegram takes for a {self.kind}")
        if not self.filename or len(self.filename) > 255:
            raise ValueError("an upload needs a file name of at most 255 characters")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: OutboxKind
    payload: dict[str, Any]
    target_message_id: int | None
    paid_broadcast: bool
    attempts: int
    # What an earlier attempt delivered of a message sent in several calls, and the id of the
    # message that counts (the one with the keyboard, or the last) if it was among them.
    sent_pieces: int = 0
    sent_message_id: int | None = None
    files: tuple[OutgoingFile, ...] = ()  # uploads, in order; the text is their caption


@dataclass
class WriterLease:
    """Set on a unit of work whose writer delivers its own messages after committing.

    `owned(chat_id)`: the ids of that chat's messages this process already holds (sending, or
    sent and not yet recorded); they are its own queue, not an earlier message to wait for.
    At most `limit` messages are leased; more (a notice to many) go the sender's way.
    """

    until: datetime
    owned: Callable[[int], Collection[int]] = lambda _chat_id: ()
    limit: int = 10
    items: list[OutboxItem] = field(default_factory=list)
    chats_in_line: dict[int, bool] = field(default_factory=dict)  # chat → leased or not
    waiting_chats: set[int] = field(default_factory=set)  # chats with messages left to a sender


_WRITTEN = "outbox_written"
_LEASE = "outbox_writer_lease"


def lease_to_writer(uow: UnitOfWork, lease: WriterLease) -> None:
    uow.session.info[_LEASE] = lease


def writer_lease(uow: UnitOfWork) -> WriterLease | None:
    return uow.session.info.get(_LEASE)


def written(uow: UnitOfWork) -> bool:
    """Whether this unit of work put anything in the outbox for a sender to claim."""
    return bool(uow.session.info.get(_WRITTEN))


async def enqueue(
    uow: UnitOfWork,
    chat_id: int,
    payload: dict[str, Any],
    kind: OutboxKind = OutboxKind.SEND,
    identity_id: int | None = None,
    target_outbox_id: int | None = None,
    target_message_id: int | None = None,
    paid_broadcast: bool = False,
    files: Sequence[OutgoingFile] = (),
    dialog: conversations.StateWrite | None = None,
) -> int:
    """Writes one message in one statement (and its uploads in a second one). Under a writer's
    lease, the first message of a chat also asks, in that statement, whether the chat has an
    earlier message waiting. `dialog`: the sender's dialog state, written by the same statement
    (PostgreSQL only: conversations.written_along)."""
    if files:
        payload = {**payload, "files": len(files)}  # tells a claim to load them
    params: dict[str, Any] = {
        "v_chat_id": chat_id,
        "v_identity_id": identity_id,
        "v_kind": kind,
        "v_payload_enc": seal_payload(uow.cipher, payload),
        "v_created_at": uow.clock.now(),
        "v_target_outbox_id": target_outbox_id,
        "v_target_message_id": target_message_id,
        "v_paid_broadcast": paid_broadcast,
        "v_not_before": None,
        "v_attempts": 0,
    }
    statement = _insert()
    lease = writer_lease(uow)
    if lease is not None and target_outbox_id is None and len(lease.items) < lease.limit:
        in_line = lease.chats_in_line.get(chat_id)
        if in_line is None:
            statement = _insert_asking_for_earlier()
            params["v_owned"] = list(lease.owned(chat_id))
            params["v_until"] = lease.until
        elif in_line:
            params["v_not_before"], params["v_attempts"] = lease.until, 1
    if dialog is not None:
        asking = statement is _insert_asking_for_earlier()
        statement = _insert_writing_dialog(asking, dialog.state is None)
        params.update(conversations.along_params(dialog, params["v_created_at"]))
    row = (await uow.session.execute(statement, params)).one()
    leased = row.not_before is not None
    if lease is not None:
        lease.chats_in_line.setdefault(chat_id, leased)
    if leased and lease is not None:
        lease.items.append(
            OutboxItem(
                id=row.id,
                chat_id=chat_id,
                kind=OutboxKind(kind),
                payload=payload,
                target_message_id=target_message_id,
                paid_broadcast=paid_broadcast,
                attempts=1,
                files=tuple(files),
            )
        )
    else:
        uow.session.info[_WRITTEN] = True
        if lease is not None:
            lease.waiting_chats.add(chat_id)
    if files:
        await uow.session.execute(
            insert(OutboxFile),
            [
                {
                    "outbox_id": row.id,
                    "position": position,
                    "kind": str(file.kind),
                    "filename": file.filename,
                    "content_enc": uow.cipher.seal(file.content),
                }
                for position, file in enumerate(files)
            ],
        )
    return row.id


# The statements of enqueue, built once (building one anew cost more than sending it): on the
# table, with parameters named apart from the columns.
_TABLE = OutboxMessage.__table__


def _param(column: str) -> Any:
    return bindparam(f"v_{column}", type_=_TABLE.c[column].type)


def _values(not_before: Any, attempts: Any) -> dict[str, Any]:
    columns = (
        "chat_id",
        "identity_id",
        "kind",
        "payload_enc",
        "created_at",
        "target_outbox_id",
        "target_message_id",
        "paid_broadcast",
    )
    values = {column: _param(column) for column in columns}
    # sent_pieces given, not left to its Python default: a statement carrying a CTE of its
    # own (_insert_writing_dialog) would not fill that default in (SQLAlchemy 2.1).
    values.update(
        status=OutboxStatus.PENDING.value, not_before=not_before, attempts=attempts, sent_pieces=0
    )
    return values


@cache
def _insert() -> Any:
    values = _values(_param("not_before"), _param("attempts"))
    return insert(_TABLE).values(values).returning(_TABLE.c.id, _TABLE.c.not_before)


@cache
def _insert_asking_for_earlier() -> Any:
    """Leased to the writer unless the chat has a pending message this process does not hold."""
    earlier = exists().where(
        _TABLE.c.chat_id == bindparam("v_chat_id"),
        _TABLE.c.status == OutboxStatus.PENDING.value,
        _TABLE.c.id.not_in(bindparam("v_owned", expanding=True)),
    )
    until = bindparam("v_until", type_=UTCDateTime())
    values = _values(case((earlier, null()), else_=until), case((earlier, 0), else_=1))
    return insert(_TABLE).values(values).returning(_TABLE.c.id, _TABLE.c.not_before)


@cache
def _insert_writing_dialog(asking_for_earlier: bool, clear: bool) -> Any:
    written = _insert_asking_for_earlier() if asking_for_earlier else _insert()
    return written.add_cte(conversations.written_along(clear))


def seal_payload(cipher: Cipher, payload: dict[str, Any]) -> bytes:
    return cipher.seal(orjson.dumps(payload))


def open_payload(cipher: Cipher, stored: bytes) -> dict[str, Any]:
    """A payload as `seal_payload` stored it; or, written before payloads were sealed (revision
    0003 kept those as their JSON text until `seal_clear_payloads` comes by), as it was."""
    if is_sealed(stored):
        return orjson.loads(cipher.unseal(stored))
    return orjson.loads(stored) if stored else {}


def _due(row: type[OutboxMessage], now: datetime):
    return or_(row.not_before.is_(None), row.not_before <= now)


async def claim(
    uow: UnitOfWork, now: datetime, limit: int = 50, lease: timedelta | None = None
) -> list[OutboxItem]:
    """Leases due messages until `now + lease`, oldest first, each the first pending message of
    its chat: a chat's next message is claimed once this one is recorded. So a chat with a
    backlog holds one place among the claimed, not `limit`, and a message is never claimed
    while an earlier one of its chat is pending, whoever holds it (on PostgreSQL, an earlier
    one another sender is claiming this instant, locked and so skipped, still counts).

    One statement: the due rows are chosen, leased and returned by the same UPDATE (on
    PostgreSQL the choice skips rows another sender holds). An edit of a message we sent
    earlier looks that message up in a second one.
    """
    earlier = aliased(OutboxMessage)
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            _due(OutboxMessage, now),
            ~exists().where(
                and_(
                    earlier.chat_id == OutboxMessage.chat_id,
                    earlier.status == OutboxStatus.PENDING,
                    earlier.id < OutboxMessage.id,
                )
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if uow.session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    until = now + (LEASE if lease is None else lease)
    leased = (
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(not_before=until, attempts=OutboxMessage.attempts + 1)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False)
        )
    ).all()
    leased.sort(key=lambda row: row.id)  # RETURNING promises no order
    targets = await _sent_message_ids(
        uow, {row.target_outbox_id for row in leased if row.target_outbox_id is not None}
    )
    payloads = {row.id: open_payload(uow.cipher, row.payload_enc) for row in leased}
    files = await _files_of(uow, [i for i, payload in payloads.items() if payload.get("files")])
    return [
        OutboxItem(
            id=row.id,
            chat_id=row.chat_id,
            kind=OutboxKind(row.kind),
            payload=payloads[row.id],
            target_message_id=row.target_message_id or targets.get(row.target_outbox_id),
            paid_broadcast=row.paid_broadcast,
            attempts=row.attempts,
            sent_pieces=row.sent_pieces,
            sent_message_id=row.sent_message_id,
            files=tuple(files.get(row.id, ())),
        )
        for row in leased
    ]


async def _files_of(uow: UnitOfWork, outbox_ids: list[int]) -> dict[int, list[OutgoingFile]]:
    """The uploads of claimed messages, opened, in order (one statement, only when some
    message has any)."""
    found: dict[int, list[OutgoingFile]] = defaultdict(list)
    if not outbox_ids:
        return found
    rows = await uow.session.execute(
        select(OutboxFile.outbox_id, OutboxFile.kind, OutboxFile.filename, OutboxFile.content_enc)
        .where(OutboxFile.outbox_id.in_(outbox_ids))
        .order_by(OutboxFile.outbox_id, OutboxFile.position)
    )
    for outbox_id, kind, filename, content in rows:
        found[outbox_id].append(
            OutgoingFile(UploadKind(kind), filename, uow.cipher.unseal(content))
        )
    return found


async def forget_files(uow: UnitOfWork, outbox_ids: Collection[int]) -> None:
    """Deletes the uploads of finished messages: their bytes are not kept for the retention."""
    if outbox_ids:
        await uow.session.execute(
            delete(OutboxFile)
            .where(OutboxFile.outbox_id.in_(list(outbox_ids)))
            .execution_options(synchronize_session=False)
        )


_CLAIMED = (
    OutboxMessage.id,
    OutboxMessage.chat_id,
    OutboxMessage.kind,
    OutboxMessage.payload_enc,
    OutboxMessage.target_outbox_id,
    OutboxMessage.target_message_id,
    OutboxMessage.paid_broadcast,
    OutboxMessage.attempts,
    OutboxMessage.sent_pieces,
    OutboxMessage.sent_message_id,
)


async def _sent_message_ids(uow: UnitOfWork, outbox_ids: set[int]) -> dict[int, int | None]:
    if not outbox_ids:
        return {}
    rows = await uow.session.execute(
        select(OutboxMessage.id, OutboxMessage.sent_message_id).where(
            OutboxMessage.id.in_(outbox_ids)
        )
    )
    return {row.id: row.sent_message_id for row in rows}


RENEW_CHUNK = 500  # ids per statement


async def renew_leases(
    uow: UnitOfWork, leases: Mapping[int, datetime], until: datetime
) -> set[int]:
    """Moves to `until` the leases a sender still holds: `leases` gives each row with the end of
    the lease that sender last wrote on it. A row whose lease is another by now (recorded since,
    or, once it ran out, claimed by another sender) is left as it is. Returns the ids renewed.

    A row that already ends at `until` counts as renewed: the same renewal done again after a
    connection lost under its COMMIT."""
    by_end: dict[datetime, list[int]] = defaultdict(list)
    for item_id, end in leases.items():
        by_end[end].append(item_id)
    renewed: set[int] = set()
    for end, ids in by_end.items():
        for start in range(0, len(ids), RENEW_CHUNK):
            rows = await uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids[start : start + RENEW_CHUNK]),
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.not_before.in_([end, until]),
                )
                .values(not_before=until)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
            renewed.update(rows.scalars())
    return renewed


async def mark_all_sent(uow: UnitOfWork, sent: list[tuple[int, int | None]], now: datetime) -> None:
    """Records a batch as sent in one statement (executed once per row, in one round trip)."""
    if sent:
        await uow.session.execute(
            _mark_sent(),
            [
                {"s_id": item_id, "s_at": now, "s_message_id": message_id}
                for item_id, message_id in sent
            ],
        )


@cache
def _mark_sent() -> Any:
    return (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("s_id"))
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=bindparam("s_at", type_=_TABLE.c.sent_at.type),
            sent_message_id=bindparam("s_message_id", type_=_TABLE.c.sent_message_id.type),
        )
    )


async def retry_later(
    uow: UnitOfWork,
    item_id: int,
    until: datetime,
    error: str,
    sent_pieces: int = 0,
    sent_message_id: int | None = None,
) -> None:
    """A 429 or a passing fault: the message waits, and so do the later ones of its chat.
    `sent_pieces`: what of a message in several calls went out, never to be sent again."""
    row = await uow.session.get_one(OutboxMessage, item_id)
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        await forget_files(uow, [item_id])
    row.not_before = until
    row.error = error
    if sent_pieces > row.sent_pieces:
        row.sent_pieces = sent_pieces
        row.sent_message_id = sent_message_id


async def release(uow: UnitOfWork, item_ids: list[int]) -> None:
    """Gives back leased items that were not tried (an earlier message of their chat waits)."""
    if item_ids:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(item_ids))
            .values(not_before=None, attempts=OutboxMessage.attempts - 1)
        )


async def mark_failed(uow: UnitOfWork, item_id: int, error: str) -> None:
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == item_id)
        .values(status=OutboxStatus.FAILED, error=error)
    )
    await forget_files(uow, [item_id])


async def mark_blocked(uow: UnitOfWork, item_id: int, chat_id: int) -> None:
    """The person blocked the bot: keep the record, stop sending to them."""
    await identities.mark_blocked(uow, chat_id)
    await uow.session.execute(
        delete(OutboxFile)
        .where(
            OutboxFile.outbox_id.in_(
                select(OutboxMessage.id).where(
                    OutboxMessage.chat_id == chat_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
        )
        .execution_options(synchronize_session=False)
    )
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SKIPPED, error="blocked by the user")
    )
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == item_id)
        .values(status=OutboxStatus.SKIPPED, error="blocked by the user")
    )


async def pending_count(uow: UnitOfWork) -> int:
    return (
        await uow.session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        or 0
    )


FINISHED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED)


async def purge_finished(uow: UnitOfWork, before: datetime, limit: int) -> int:
    """Deletes at most `limit` finished messages (sent, failed, skipped) that finished, or were
    written, before `before`, oldest first; a pending one is never touched. A message that a
    later one still names as its edit target waits for that one to go first."""
    row, referrer = OutboxMessage, aliased(OutboxMessage)
    chosen = (
        select(row.id)
        .where(
            row.status.in_(FINISHED),
            func.coalesce(row.sent_at, row.created_at) < before,
            ~exists().where(referrer.target_outbox_id == row.id),
        )
        .order_by(row.id)
        .limit(limit)
    )
    result = await uow.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def seal_clear_payloads(uow: UnitOfWork, limit: int) -> int:
    """Seals at most `limit` payloads still stored as clear JSON text (written before revision
    0003; it blanked the finished ones); how many it sealed."""
    rows = (
        await uow.session.execute(
            select(OutboxMessage.id, OutboxMessage.payload_enc)
            .where(func.substr(OutboxMessage.payload_enc, 1, 1) == literal(b"{"))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    ).all()
    for row in rows:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(payload_enc=seal_payload(uow.cipher, orjson.loads(row.payload_enc)))
        )
    return len(rows)


async def enqueue_many(
    uow: UnitOfWork,
    messages: list[tuple[int, int | None, dict[str, Any]]],
    paid_broadcast: bool = False,
) -> list[int]:
    """Writes (chat, identity, payload) messages due at once, in one statement: a broadcast's
    batch. Under a writer's lease each goes through `enqueue` instead (its chats' order)."""
    if writer_lease(uow) is not None:
        return [
            await enqueue(
                uow, chat_id, payload, identity_id=identity_id, paid_broadcast=paid_broadcast
            )
            for chat_id, identity_id, payload in messages
        ]
    if not messages:
        return []
    now = uow.clock.now()
    rows = [
        {
            "chat_id": chat_id,
            "identity_id": identity_id,
            "kind": OutboxKind.SEND.value,
            "payload_enc": seal_payload(uow.cipher, payload),
            "created_at": now,
            "paid_broadcast": paid_broadcast,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
        }
        for chat_id, identity_id, payload in messages
    ]
    statement = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
    ids = list((await uow.session.execute(statement, rows)).scalars())
    uow.session.info[_WRITTEN] = True
    return ids
