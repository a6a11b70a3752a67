"""What each chat should have received, from the outbox, against what the emulator delivered.

The outbox records, for every message it sent, the message id Telegram gave it
(`sent_message_id`). Per chat, a message the bot sent whose id no outbox row recorded is a
copy: sent by a sender that did not live (or keep its lease) to record it, and sent again.
A row recorded sent whose message never arrived is missing; and the recorded messages of a
chat must have arrived in the order their rows were written (a copy may come before its
recorded twin: it is the first of the two).

A message sent in several calls (an album, a text beyond 4,096 characters) records one id
only; the flows checked with this send neither.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from core.enums import OutboxKind, OutboxStatus
from core.models import OutboxMessage
from core.uow import UnitOfWorkFactory
from tg_emulator import Emulator
from tg_emulator.state import Conversation


@dataclass
class ChatDeliveries:
    chat_id: int
    written: int
    copies: list[int] = field(default_factory=list)  # message ids
    missing: list[int] = field(default_factory=list)  # outbox ids
    out_of_order: bool = False


async def recorded_by_chat(uows: UnitOfWorkFactory) -> dict[int, list[tuple[int, int | None]]]:
    """Per chat, (outbox id, the message id recorded) of every message sent, in written order."""
    async with uows() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.id, OutboxMessage.sent_message_id)
                .where(
                    OutboxMessage.kind == OutboxKind.SEND,
                    OutboxMessage.status == OutboxStatus.SENT,
                )
                .order_by(OutboxMessage.id)
            )
        ).all()
    chats: dict[int, list[tuple[int, int | None]]] = {}
    for chat_id, outbox_id, message_id in rows:
        chats.setdefault(chat_id, []).append((outbox_id, message_id))
    return chats


def conversations(emulator: Emulator) -> dict[int, Conversation]:
    """Every chat the bot writes to: each person's private chat with it, each group."""
    found = {
        user.chat_id: emulator.private_conversation(emulator.default_bot, user)
        for user in emulator.users
    }
    found.update({group.chat_id: group.conversation for group in emulator.groups})
    return found


def delivered_by_chat(emulator: Emulator) -> dict[int, list[int]]:
    """Per chat, the ids of the bot's messages, in the order they arrived."""
    return {
        chat_id: [m.message_id for m in conversation.messages if m.from_bot]
        for chat_id, conversation in conversations(emulator).items()
    }


def compare(
    recorded: dict[int, list[tuple[int, int | None]]], delivered: dict[int, list[int]]
) -> list[ChatDeliveries]:
    """Every chat whose deliveries differ from what the outbox recorded, in any way."""
    found = []
    for chat_id in recorded.keys() | delivered.keys():
        rows, arrived = recorded.get(chat_id, []), delivered.get(chat_id, [])
        ids = [message_id for _, message_id in rows]
        there = set(arrived)
        result = ChatDeliveries(
            chat_id,
            len(rows),
            copies=sorted(there - set(ids)),
            missing=[outbox_id for outbox_id, message_id in rows if message_id not in there],
            out_of_order=any(
                a is not None and b is not None and a >= b for a, b in itertools.pairwise(ids)
            ),
        )
        if result.copies or result.missing or result.out_of_order:
            found.append(result)
    return found
