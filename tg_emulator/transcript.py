"""The chat as a simulated user sees it, after edits and deletions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .state import StoredMessage


@dataclass
class TranscriptMessage:
    message_id: int
    from_bot: bool
    text: str | None
    caption: str | None
    has_photo: bool
    photos: list[dict[str, Any]]
    document: dict[str, Any] | None
    # Rows of {"text", "callback_data"} or {"text", "url"} (other button kinds keep their field).
    buttons: list[list[dict[str, Any]]]
    reply_keyboard: list[list[dict[str, Any]]] | None
    remove_keyboard: bool
    edited: bool
    deleted: bool
    date: int
    sender_id: int
    chat_id: int
    media_group_id: str | None = None
    voice: dict[str, Any] | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    @property
    def body(self) -> str:
        """The text or the caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        return data


def _buttons(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not markup:
        return []
    rows = []
    for row in markup.get("inline_keyboard", []):
        rows.append(
            [
                {key: value for key, value in button.items() if key not in ("style",)}
                for button in row
            ]
        )
    return rows


def to_transcript(message: StoredMessage) -> TranscriptMessage:
    content = message.content
    keyboard = message.reply_keyboard or {}
    reply_rows = keyboard.get("keyboard")
    return TranscriptMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        text=content.get("text"),
        caption=content.get("caption"),
        has_photo=bool(content.get("photo")),
        photos=list(content.get("photo", [])),
        document=content.get("document"),
        buttons=_buttons(message.inline_markup),
        reply_keyboard=[list(row) for row in reply_rows] if reply_rows is not None else None,
        remove_keyboard=bool(keyboard.get("remove_keyboard")),
        edited=message.edit_date is not None,
        deleted=message.deleted,
        date=message.date,
        sender_id=int(message.sender["id"]),
        chat_id=int(message.chat["id"]),
        media_group_id=content.get("media_group_id"),
        voice=content.get("voice"),
        entities=list(content.get("entities", content.get("caption_entities", []))),
        raw=message.to_api(),
    )


def format_transcript(messages: list[TranscriptMessage]) -> str:
    """A readable dump for assertion messages."""
    if not messages:
        return "  (no messages)"
    lines = []
    for message in messages:
        who = "bot " if message.from_bot else "user"
        flags = "".join(
            flag
            for flag, on in ((" [edited]", message.edited), (" [deleted]", message.deleted))
            if on
        )
        media = " [photo]" if message.has_photo else ""
        if message.document:
            media += f" [document {message.document.get('file_name')}]"
        lines.append(f"  #{message.message_id} {who}:{media} {message.body!r}{flags}")
        if message.buttons:
            lines.append(f"      buttons: {[b['text'] for row in message.buttons for b in row]}")
    return "\n".join(lines)
