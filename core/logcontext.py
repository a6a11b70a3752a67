"""What a log line may say about the work under way: the update, the chat and the order, as ids
(never a name or a phone number). The pipeline sets the update and the chat; core.services.orders
notes the order it acts on. JSON logs (bot/runtime/logs.py) add them to every line."""

from __future__ import annotations

from contextvars import ContextVar

update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
chat_id: ContextVar[int | None] = ContextVar("chat_id", default=None)
order_number: ContextVar[str | None] = ContextVar("order_number", default=None)


def note_order(number: str) -> None:
    order_number.set(number)
