"""Telegram's updates as neutral inbound events, for both front ends.

aiogram's and python-telegram-bot's objects mirror the Bot API's field names (message.text,
message.photo[-1].file_id, callback_query.message.chat.id, ...), so one converter reads either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.conversation.events import Inbound, Kind, parse_command
from core.text import clean

PLATFORM = "telegram"
# The kinds of update the bot handles (to_inbound): the only ones asked of Telegram.
HANDLED_KINDS = ("message", "callback_query")


def message_inbound(message: Any, update_id: int, bot_id: int) -> Inbound:
    user = message.from_user
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "bot_id": bot_id,
        "update_id": update_id,
        "user_id": user.id if user else message.chat.id,
        "chat_id": message.chat.id,
        "chat_type": str(message.chat.type),
        "first_name": clean(user.first_name) if user else None,
        "language_code": user.language_code if user else None,
        "sent_at": message.date.astimezone(UTC),
        "message_id": message.message_id,
        "media_group_id": message.media_group_id,
    }
    if message.text is not None:
        text = clean(message.text) or ""
        command = parse_command(text)
        if command is not None:
            return Inbound(
                kind=Kind.COMMAND, text=text, command=command[0], args=command[1], **common
            )
        return Inbound(kind=Kind.TEXT, text=text, **common)
    caption = clean(message.caption)
    if message.photo:
        return Inbound(kind=Kind.PHOTO, text=caption, file_ref=message.photo[-1].file_id, **common)
    if message.document:
        return Inbound(
            kind=Kind.DOCUMENT, text=caption, file_ref=message.document.file_id, **common
        )
    if message.voice:
        return Inbound(
            kind=Kind.VOICE,
            text=caption,
            file_ref=message.voice.file_id,
            duration=_seconds(message.voice.duration),
            **common,
        )
    if message.contact:
        return Inbound(
            kind=Kind.CONTACT,
            phone_number=message.contact.phone_number,
            contact_user_id=message.contact.user_id,
            **common,
        )
    if message.location:
        return Inbound(
            kind=Kind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            **common,
        )
    if message.sticker:
        return Inbound(kind=Kind.STICKER, **common)
    return Inbound(kind=Kind.OTHER, **common)


def _seconds(duration: Any) -> int | None:
    """A length in whole seconds: python-telegram-bot gives a timedelta (PTB_TIMEDELTA)."""
    if duration is None:
        return None
    if isinstance(duration, timedelta):
        return int(duration.total_seconds())
    return int(duration)


def callback_inbound(query: Any, update_id: int, bot_id: int, now: datetime) -> Inbound:
    # An old message comes as an InaccessibleMessage: it still has its chat and id.
    message = query.message
    return Inbound(
        platform=PLATFORM,
        bot_id=bot_id,
        update_id=update_id,
        kind=Kind.BUTTON,
        user_id=query.from_user.id,
        chat_id=message.chat.id if message else query.from_user.id,
        chat_type=str(message.chat.type) if message else "private",
        first_name=clean(query.from_user.first_name),
        language_code=query.from_user.language_code,
        sent_at=now,
        payload=query.data,
        callback_id=query.id,
        message_id=message.message_id if message else None,
    )


def to_inbound(update: Any, bot_id: int, now: datetime) -> Inbound | None:
    """None for what the bot does not handle (edits, membership changes, ...)."""
    if update.message is not None:
        return message_inbound(update.message, update.update_id, bot_id)
    if update.callback_query is not None:
        return callback_inbound(update.callback_query, update.update_id, bot_id, now)
    return None
