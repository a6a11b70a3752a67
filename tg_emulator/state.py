"""What the emulated Telegram remembers: bots, chats and the messages in them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def now_ts() -> int:
    return int(time.time())


class Notifier:
    """Wakes every waiter whenever something changed; waiters re-check their condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, check: Callable[[], T | None], seconds: float) -> T | None:
        """Return the first non-None result of ``check``, or None when the time runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()


@dataclass
class StoredMessage:
    message_id: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    from_bot: bool
    date: int
    content: dict[str, Any]
    # Only inline keyboards belong to the message; a reply keyboard changes the user's
    # input field and is kept apart so the transcript can still show it.
    inline_markup: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    bot_id: int | None = None

    def to_api(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        message.update(self.content)
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.inline_markup is not None:
            message["reply_markup"] = self.inline_markup
        return message


@dataclass
class Conversation:
    """One chat's message history. Message ids are per chat and shared by all senders."""

    chat: dict[str, Any]
    messages: list[StoredMessage] = field(default_factory=list)
    by_id: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    changes: Notifier = field(default_factory=Notifier)
    pinned: list[int] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return self.chat["type"] == "private"

    def add(
        self,
        sender: dict[str, Any],
        *,
        from_bot: bool,
        content: dict[str, Any],
        bot_id: int | None = None,
        inline_markup: dict[str, Any] | None = None,
        reply_keyboard: dict[str, Any] | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=self.next_message_id,
            chat=self.chat,
            sender=sender,
            from_bot=from_bot,
            date=now_ts(),
            content=content,
            inline_markup=inline_markup,
            reply_keyboard=reply_keyboard,
            bot_id=bot_id,
        )
        self.next_message_id += 1
        self.messages.append(message)
        self.by_id[message.message_id] = message
        self.changes.notify()
        return message

    def get(self, message_id: int) -> StoredMessage | None:
        message = self.by_id.get(message_id)
        if message is None or message.deleted:
            return None
        return message


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class BotState:
    token: str
    username: str
    first_name: str
    webhook: WebhookConfig | None = None
    # (scope key, language code) -> commands, exactly as Telegram keys them.
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.token.split(":", 1)[0])

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def me(self) -> dict[str, Any]:
        return {
            **self.user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
