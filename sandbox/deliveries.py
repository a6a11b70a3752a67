"""What each chat should have received, from the outbox, against what the emulator delivered.

The outbox is the record of every message the bot meant to send (sealed: opened here with the
data key). Per chat, the messages it sent are expected in the order they were written, each
with the text of its last edit; the emulator's chat shows what arrived. A text that arrived more
often than written is a copy (a message sent again after a crash or a lost answer); a text
written and never arrived is missing; the first arrivals of the rest must keep the written
order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from core.enums import OutboxKind, OutboxStatus
from core.models import OutboxMessage
from core.services.outbox import open_payload
from core.uow import UnitOfWorkFactory
from tg_emulator import Emulator


@dataclass
class ChatDeliveries:
    chat_id: int
    written: int
    copies: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_order: bool = False


def _text(payload: dict) -> str | None:
    text = payload.get("text")
    if text is None:
        text = payload.get("caption")
    return text


async def written_by_chat(uows: UnitOfWorkFactory) -> dict[int, list[str]]:
    """Per chat, the text of every message the outbox sent, in the order written, as last
    edited."""
    columns = (
        OutboxMessage.id,
        OutboxMessage.chat_id,
        OutboxMessage.kind,
        OutboxMessage.payload_enc,
        OutboxMessage.sent_message_id,
        OutboxMessage.target_outbox_id,
        OutboxMessage.target_message_id,
    )
    async with uows() as uow:
        rows = (
            await uow.session.execute(
                select(*columns)
                .where(
                    OutboxMessage.kind.in_([OutboxKind.SEND, OutboxKind.EDIT]),
                    OutboxMessage.status == OutboxStatus.SENT,
                )
                .order_by(OutboxMessage.id)
            )
        ).all()
        cipher = uow.cipher
    texts: dict[int, str] = {}
    by_message_id: dict[tuple[int, int], int] = {}
    order: dict[int, list[int]] = {}
    for row in rows:
        text = _text(open_payload(cipher, row.payload_enc))
        if row.kind == OutboxKind.SEND:
            texts[row.id] = text or ""
            order.setdefault(row.chat_id, []).append(row.id)
            if row.sent_message_id is not None:
                by_message_id[(row.chat_id, row.sent_message_id)] = row.id
            continue
        target = row.target_outbox_id
        if target is None and row.target_message_id is not None:
            target = by_message_id.get((row.chat_id, row.target_message_id))
        if target in texts and text is not None:
            texts[target] = text
    return {chat: [texts[i] for i in ids] for chat, ids in order.items()}


def delivered_by_chat(emulator: Emulator) -> dict[int, list[str]]:
    """Per chat (each person's private chat with the bot, each group), the bot's messages."""
    chats: dict[int, list[str]] = {}
    for user in emulator.users:
        chats[user.chat_id] = [m.body for m in user.transcript() if m.from_bot]
    for group in emulator.groups:
        chats[group.chat_id] = [m.body for m in emulator.transcript(group.chat_id) if m.from_bot]
    return chats


def compare(written: dict[int, list[str]], delivered: dict[int, list[str]]) -> list[ChatDeliveries]:
    """Every chat whose deliveries differ from what was written in any way."""
    found = []
    for chat_id in written.keys() | delivered.keys():
        expected, arrived = written.get(chat_id, []), delivered.get(chat_id, [])
        wanted = Counter(expected)
        extra = Counter(arrived) - wanted
        missing = wanted - Counter(arrived)
        seen: Counter[str] = Counter()
        firsts = []
        for text in arrived:
            seen[text] += 1
            if seen[text] <= wanted[text]:
                firsts.append(text)
        left = Counter(missing)
        in_written_order = []
        for text in expected:
            if left[text]:
                left[text] -= 1
            else:
                in_written_order.append(text)
        result = ChatDeliveries(
            chat_id,
            len(expected),
            copies=list(extra.elements()),
            missing=list(missing.elements()),
            out_of_order=firsts != in_written_order,
        )
        if result.copies or result.missing or result.out_of_order:
            found.append(result)
    return found
