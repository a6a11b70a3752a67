"""Platform-neutral inbound events: what a person did, whatever the messaging platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    CONTACT = "contact"
    LOCATION = "location"
    STICKER = "sticker"
    OTHER = "other"


MEDIA_KINDS = frozenset({Kind.PHOTO, Kind.DOCUMENT, Kind.VOICE})


@dataclass(frozen=True)
class Inbound:
    platform: str
    bot_id: int
    update_id: int
    kind: Kind
    user_id: int
    chat_id: int
    sent_at: datetime
    chat_type: str = "private"
    first_name: str | None = None
    language_code: str | None = None
    text: str | None = None  # message text, or a media caption
    command: str | None = None
    args: str = ""
    payload: str | None = None  # button data: untrusted, decoded and checked by handlers
    callback_id: str | None = None
    message_id: int | None = None  # the user's message, or the message carrying the button
    file_ref: str | None = None
    duration: int | None = None  # a voice message's length in seconds
    media_group_id: str | None = None
    phone_number: str | None = None
    contact_user_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"


def parse_command(text: str) -> tuple[str, str] | None:
    """`/start@guanjia_bot abc` → ("start", "abc"); anything else → None."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name:
        return None
    return name, args.strip()
