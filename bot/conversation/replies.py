"""Platform-neutral outgoing messages, stored in the outbox as JSON and sent by an adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.conversation.payloads import Payload
from core.services.outbox import OutgoingFile

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(frozen=True)
class Button:
    text: str
    payload: Payload | None = None
    url: str | None = None

    def to_json(self) -> dict[str, str]:
        if self.url is not None:
            return {"text": self.text, "url": self.url}
        if self.payload is None:
            raise ValueError("a button needs a payload or a url")
        return {"text": self.text, "data": self.payload.pack()}


@dataclass(frozen=True)
class KeyButton:
    """A reply-keyboard button; `contact` asks Telegram to share the person's phone number."""

    text: str
    contact: bool = False


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[KeyButton]] | None = None
    remove_keyboard: bool = False
    photos: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    voices: list[str] = field(default_factory=list)  # voice messages, by the platform's file id
    # Files the bot made (a chart, a workbook), uploaded with the text as their caption; kept
    # apart from the payload (core.services.outbox stores them sealed, beside the message).
    files: list[OutgoingFile] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text}
        if self.buttons:
            payload["buttons"] = [[b.to_json() for b in row] for row in self.buttons]
        if self.keyboard is not None:
            payload["keyboard"] = [
                [{"text": k.text, "contact": k.contact} for k in row] for row in self.keyboard
            ]
        if self.remove_keyboard:
            payload["remove_keyboard"] = True
        if self.photos:
            payload["photos"] = list(self.photos)
        if self.documents:
            payload["documents"] = list(self.documents)
        if self.voices:
            payload["voices"] = list(self.voices)
        return payload


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (Telegram's measure), cut at line ends if possible."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut_at(rest, limit)
        pieces.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:].lstrip("\n")
    pieces.append(rest)
    return [p for p in pieces if p] or [""]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_at(text: str, limit: int) -> int:
    units = 0
    end = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            end = index
            break
    newline = text.rfind("\n", 0, end)
    return newline + 1 if newline > end // 2 else end
