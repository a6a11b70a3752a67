"""What one outbox item becomes on Telegram, decided once for every front end.

A neutral reply may need several Bot API calls: one photo with its text as the caption, or an
album then the text, documents, voice messages (sent again by their file id: one voice with a
short text carries it as its caption), a text longer than a message cut into pieces. Which calls, in
which order, and which of them carries the buttons is the same whatever client library speaks to
Telegram, so it is decided here; each adapter only implements the calls (`Channel`) and says how
its library reports Telegram's refusals (`Channel.refusal`).

A flood-control pause (429) after the first call of an item is waited out in place: the pieces
already delivered must not be sent twice, and Telegram asks that chat to wait anyway. A pause on
the first call, or a long one, goes back to the sender, which retries the item later. Whatever
stops an item half-way (a long pause, a server error, a dropped connection) is reported with how
many calls had gone out; the sender records it, and the retry starts with the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.conversation.replies import CAPTION_LIMIT, split_text, utf16_len
from bot.runtime.sender import Delivery
from core.enums import OutboxKind
from core.services.outbox import OutboxItem, OutgoingFile

log = logging.getLogger(__name__)

ALBUM_LIMIT = 10  # photos in one sendMediaGroup
MAX_WAIT_IN_PLACE = 10.0  # seconds; a longer 429 pause is left to the sender


@dataclass(frozen=True)
class SendText:
    text: str
    with_markup: bool = False


@dataclass(frozen=True)
class SendPhoto:
    photo: str
    caption: str | None = None
    with_markup: bool = False


@dataclass(frozen=True)
class SendAlbum:
    photos: tuple[str, ...]
    with_markup: bool = False  # albums cannot carry a keyboard: always False


@dataclass(frozen=True)
class SendDocument:
    document: str
    with_markup: bool = False


@dataclass(frozen=True)
class SendVoice:
    voice: str
    caption: str | None = None
    with_markup: bool = False


@dataclass(frozen=True)
class SendUpload:
    """A file the bot made, uploaded: sendPhoto for a picture, sendDocument for the rest."""

    file: OutgoingFile
    caption: str | None = None
    with_markup: bool = False


Step = SendText | SendPhoto | SendAlbum | SendDocument | SendVoice | SendUpload


def plan_send(payload: dict[str, Any], files: tuple[OutgoingFile, ...] = ()) -> list[Step]:
    """The calls for a neutral reply payload (bot.replies.Reply.to_payload), in order.

    The keyboard goes on the last text piece, or on a lone photo whose caption holds the text.
    Uploads go one call each, the text as the first one's caption when it fits (else after
    them, as text).
    """
    text: str = payload.get("text", "")
    if files:
        captioned = bool(text) and utf16_len(text) <= CAPTION_LIMIT
        steps: list[Step] = [
            SendUpload(
                file,
                caption=text if captioned and index == 0 else None,
                with_markup=captioned and index == 0,
            )
            for index, file in enumerate(files)
        ]
        if text and not captioned:
            pieces = split_text(text)
            steps.extend(
                SendText(piece, with_markup=index == len(pieces) - 1)
                for index, piece in enumerate(pieces)
            )
        return steps
    photos: list[str] = list(payload.get("photos", []))
    documents: list[str] = list(payload.get("documents", []))
    voices: list[str] = list(payload.get("voices", []))
    steps = []
    if len(voices) == 1 and not photos and not documents and utf16_len(text) <= CAPTION_LIMIT:
        return [SendVoice(voices[0], caption=text or None, with_markup=True)]
    if len(photos) == 1 and not voices and utf16_len(text) <= CAPTION_LIMIT:
        steps.append(SendPhoto(photos[0], caption=text or None, with_markup=True))
        steps.extend(SendDocument(document) for document in documents)
        return steps
    for start in range(0, len(photos), ALBUM_LIMIT):
        chunk = photos[start : start + ALBUM_LIMIT]
        steps.append(SendPhoto(chunk[0]) if len(chunk) == 1 else SendAlbum(tuple(chunk)))
    steps.extend(SendDocument(document) for document in documents)
    steps.extend(SendVoice(voice) for voice in voices)
    if text or not steps:
        pieces = split_text(text)
        steps.extend(
            SendText(piece, with_markup=index == len(pieces) - 1)
            for index, piece in enumerate(pieces)
        )
    return steps


class Channel(Protocol):
    """The Bot API calls one front end makes; `markup` is the neutral payload (buttons, reply
    keyboard or its removal), which each library turns into its own keyboard types."""

    async def send_text(
        self, chat_id: int, text: str, markup: dict[str, Any] | None, paid: bool
    ) -> int: ...

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int: ...

    async def send_album(self, chat_id: int, photos: tuple[str, ...], paid: bool) -> int: ...

    async def send_document(self, chat_id: int, document: str, paid: bool) -> int: ...

    async def send_voice(
        self,
        chat_id: int,
        voice: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int: ...

    async def send_upload(
        self,
        chat_id: int,
        file: OutgoingFile,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int: ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, markup: dict[str, Any]
    ) -> None: ...

    async def delete(self, chat_id: int, message_id: int) -> None: ...

    async def set_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None: ...

    def refusal(self, exc: Exception) -> Delivery | None:
        """What a library exception says Telegram answered; None for anything else (a bug:
        the sender logs it and tries again later)."""
        ...


class PartlyDelivered(Exception):
    """A call after the first of an item failed: `sent` calls had gone out."""

    def __init__(self, sent: int, message_id: int | None, cause: Exception) -> None:
        super().__init__(f"{sent} calls out, then {cause!r}")
        self.sent, self.message_id, self.cause = sent, message_id, cause


async def deliver(channel: Channel, item: OutboxItem) -> Delivery:
    """One outbox item through one front end: the Transport.deliver both adapters share."""
    try:
        return await _deliver(channel, item)
    except PartlyDelivered as partly:
        refusal = channel.refusal(partly.cause) or Delivery(error=repr(partly.cause))
        if refusal.blocked or refusal.permanent:
            return refusal
        log.info("outbox item %s stopped after %d calls: %r", item.id, partly.sent, partly.cause)
        return replace(refusal, sent_pieces=partly.sent, message_id=partly.message_id)
    except Exception as exc:
        refusal = channel.refusal(exc)
        if refusal is None:
            raise
        return refusal


async def _deliver(channel: Channel, item: OutboxItem) -> Delivery:
    payload = item.payload
    chat_id = item.chat_id
    if item.kind is OutboxKind.EDIT:
        if item.target_message_id is None:
            return Delivery(error="nothing to edit", permanent=True)
        await channel.edit_text(chat_id, item.target_message_id, payload["text"], payload)
        return Delivery(message_id=item.target_message_id)
    if item.kind is OutboxKind.DELETE:
        if item.target_message_id is not None:
            await channel.delete(chat_id, item.target_message_id)
        return Delivery()
    if item.kind is OutboxKind.COMMANDS:
        commands = [(name, description) for name, description in payload["commands"]]
        await channel.set_commands(chat_id, commands)
        return Delivery()
    steps = plan_send(payload, item.files)
    return Delivery(message_id=await run_plan(channel, item, steps))


async def run_plan(channel: Channel, item: OutboxItem, steps: list[Step]) -> int | None:
    """Runs the calls in order, from the first one an earlier attempt did not make. The
    message id that counts (the one a later edit replaces) is the one with the keyboard, else
    the last one."""
    done = min(item.sent_pieces, len(steps))
    message_id = item.sent_message_id if done else None
    marked = any(step.with_markup for step in steps[:done])
    for index in range(done, len(steps)):
        step = steps[index]
        call = _call(channel, item, step)
        try:
            sent = await call() if index == 0 else await _waiting_out_floods(channel, call)
        except Exception as exc:
            if index == 0:
                raise  # nothing went out: the item is simply tried again
            raise PartlyDelivered(index, message_id, exc) from exc
        if not marked:
            message_id = sent
            marked = step.with_markup
    return message_id


def _call(channel: Channel, item: OutboxItem, step: Step) -> Callable[[], Awaitable[int]]:
    chat_id, paid = item.chat_id, item.paid_broadcast
    markup = item.payload if step.with_markup else None
    match step:
        case SendText():
            return lambda: channel.send_text(chat_id, step.text, markup, paid)
        case SendPhoto():
            return lambda: channel.send_photo(chat_id, step.photo, step.caption, markup, paid)
        case SendAlbum():
            return lambda: channel.send_album(chat_id, step.photos, paid)
        case SendDocument():
            return lambda: channel.send_document(chat_id, step.document, paid)
        case SendVoice():
            return lambda: channel.send_voice(chat_id, step.voice, step.caption, markup, paid)
        case SendUpload():
            return lambda: channel.send_upload(chat_id, step.file, step.caption, markup, paid)


async def _waiting_out_floods(channel: Channel, call: Callable[[], Awaitable[int]]) -> int:
    """A later piece of an item: a short 429 pause is waited out rather than resending all."""
    while True:
        try:
            return await call()
        except Exception as exc:
            refusal = channel.refusal(exc)
            pause = refusal.retry_after if refusal is not None else None
            if pause is None or pause > MAX_WAIT_IN_PLACE:
                raise
            log.info("flood control in the middle of a message: waiting %.1fs", pause)
            await asyncio.sleep(pause)
