"""Simulated Telegram users and groups that talk to the bots under test."""

from __future__ import annotations

import itertools
import mimetypes
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import NoMessageError
from .files import tiny_png
from .formatting import utf16_len
from .state import BotState, Conversation, StoredMessage
from .transcript import TranscriptMessage, format_transcript, to_transcript

if TYPE_CHECKING:
    from .emulator import Emulator

_media_group_ids = itertools.count(13_000_000_000_000_000)


@dataclass
class CallbackAnswer:
    """What a bot answered to a button press (answerCallbackQuery)."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class SimGroup:
    id: int
    title: str
    type: str
    members: list[SimUser]
    bots: list[BotState]
    conversation: Conversation = field(repr=False)
    username: str | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def chat_api(self) -> dict[str, Any]:
        return self.conversation.chat


class SimUser:
    """A person using Telegram. Sends go to the bot's update queue; reads see the chat."""

    def __init__(
        self,
        emulator: Emulator,
        id: int,
        first_name: str,
        last_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        is_premium: bool | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = id
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self.username = username
        self.is_premium = is_premium
        # Per bot: index into the private chat's message list of the next unread message.
        self._cursors: dict[int, int] = {}

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r})"

    @property
    def chat_id(self) -> int:
        return self.id

    def as_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    def private_chat_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # ------------------------------------------------------------------ sending

    def _conversation(
        self, chat: SimGroup | int | None, bot: BotState | None
    ) -> tuple[Conversation, list[BotState]]:
        return self.emulator._user_conversation(self, chat, bot)

    async def _send(
        self,
        content: dict[str, Any],
        chat: SimGroup | int | None = None,
        bot: BotState | None = None,
        reply_to: int | None = None,
    ) -> StoredMessage:
        conversation, bots = self._conversation(chat, bot)
        if reply_to is not None:
            original = conversation.get(reply_to)
            if original is None:
                raise LookupError(f"message {reply_to} not found in chat {conversation.chat_id}")
            content = {**content, "reply_to_message": original.to_api()}
        message = conversation.add(self.as_api(), from_bot=False, content=content)
        for target in bots:
            self.emulator._push_update(target, "message", message.to_api())
        return message

    async def send_text(
        self,
        text: str,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Send text; a leading /command gets its bot_command entity like the apps add."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"offset": 0, "length": utf16_len(command), "type": "bot_command"}
            ]
        return (await self._send(content, chat, bot, reply_to)).message_id

    async def send_command(
        self,
        command: str,
        args: str | None = None,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> int:
        text = "/" + command.lstrip("/")
        target_chat = self.emulator._resolve_user_chat(chat)
        if isinstance(target_chat, SimGroup):
            # In groups the apps address commands to a bot: /start@bot_username.
            target_bot = bot or self.emulator.default_bot
            text += f"@{target_bot.username}"
        if args:
            text += f" {args}"
        return await self.send_text(text, chat, bot=bot)

    async def send_photo(
        self,
        caption: str | None = None,
        data: bytes | None = None,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
        sizes: int = 3,
    ) -> int:
        message = await self._send(self._photo_content(caption, data, sizes), chat, bot)
        return message.message_id

    def _photo_content(
        self, caption: str | None, data: bytes | None, sizes: int = 3
    ) -> dict[str, Any]:
        content: dict[str, Any] = {
            "photo": self.emulator.files.photo_sizes(data or tiny_png(), count=sizes)
        }
        if caption is not None:
            content["caption"] = caption
        return content

    async def send_photos(
        self,
        n: int = 2,
        caption: str | None = None,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> list[int]:
        """An album: n photo messages sharing one media_group_id; the caption on the first."""
        group_id = str(next(_media_group_ids))
        ids = []
        for index in range(n):
            content = self._photo_content(caption if index == 0 else None, None)
            content["media_group_id"] = group_id
            ids.append((await self._send(content, chat, bot)).message_id)
        return ids

    async def send_document(
        self,
        filename: str = "document.pdf",
        data: bytes | None = None,
        chat: SimGroup | int | None = None,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        bot: BotState | None = None,
    ) -> int:
        payload = data if data is not None else b"%PDF-1.4\n% emulator document\n"
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self.emulator.files.add("document", payload, file_name=filename, mime_type=mime)
        content: dict[str, Any] = {
            "document": {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(payload),
            }
        }
        if caption is not None:
            content["caption"] = caption
        return (await self._send(content, chat, bot)).message_id

    async def send_voice(
        self,
        data: bytes | None = None,
        duration: int = 3,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> int:
        payload = data if data is not None else b"OggS\x00emulator-voice"
        stored = self.emulator.files.add("voice", payload, mime_type="audio/ogg")
        content = {
            "voice": {
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(payload),
            }
        }
        return (await self._send(content, chat, bot)).message_id

    async def send_sticker(
        self,
        emoji: str = "👍",
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> int:
        stored = self.emulator.files.add("sticker", b"RIFF\x00\x00\x00\x00WEBP", width=512)
        content = {
            "sticker": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": len(stored.data),
            }
        }
        return (await self._send(content, chat, bot)).message_id

    async def send_contact(
        self,
        phone_number: str,
        first_name: str | None = None,
        chat: SimGroup | int | None = None,
        *,
        last_name: str | None = None,
        user_id: int | None = None,
        bot: BotState | None = None,
    ) -> int:
        """Share a contact; by default the user's own (what a request_contact button sends)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": user_id if user_id is not None else self.id,
        }
        if last_name or (first_name is None and self.last_name):
            contact["last_name"] = last_name or self.last_name
        return (await self._send({"contact": contact}, chat, bot)).message_id

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> int:
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return (await self._send(content, chat, bot)).message_id

    # ----------------------------------------------------------------- buttons

    async def press(
        self,
        message_id: int,
        callback_data: str,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> CallbackAnswer | None:
        """Press an inline button; return the bot's answer, or None if it never answers."""
        conversation, bots = self._conversation(chat, bot)
        message = conversation.get(message_id)
        if message is None:
            raise LookupError(
                f"message {message_id} not found in chat {conversation.chat_id}:\n"
                + format_transcript(self.transcript(chat, bot=bot))
            )
        buttons = [
            b for row in (message.inline_markup or {}).get("inline_keyboard", []) for b in row
        ]
        if not any(b.get("callback_data") == callback_data for b in buttons):
            raise LookupError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"its buttons: {[(b.get('text'), b.get('callback_data')) for b in buttons]}"
            )
        target_bot = (message.bot_id and self.emulator.bot_by_id(message.bot_id)) or bots[0]
        return await self.emulator._press(self, target_bot, message, callback_data, timeout)

    async def press_button(
        self,
        text: str,
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> CallbackAnswer | None:
        """Press the button with this text on the newest message in the chat that has one."""
        conversation, _ = self._conversation(chat, bot)
        for message in reversed(conversation.messages):
            if message.deleted or not message.inline_markup:
                continue
            for row in message.inline_markup.get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == text and "callback_data" in button:
                        return await self.press(
                            message.message_id,
                            button["callback_data"],
                            chat,
                            bot=bot,
                            timeout=timeout,
                        )
        raise LookupError(
            f"no message in chat {conversation.chat_id} has a button {text!r}:\n"
            + format_transcript(self.transcript(chat, bot=bot))
        )

    # ------------------------------------------------------------------ reading

    def transcript(
        self, chat: SimGroup | int | None = None, *, bot: BotState | None = None
    ) -> list[TranscriptMessage]:
        conversation, _ = self._conversation(chat, bot)
        return [to_transcript(m) for m in conversation.messages]

    def visible_transcript(
        self, chat: SimGroup | int | None = None, *, bot: BotState | None = None
    ) -> list[TranscriptMessage]:
        return [m for m in self.transcript(chat, bot=bot) if not m.deleted]

    async def next_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
        *,
        bot: BotState | None = None,
    ) -> TranscriptMessage:
        """The next message the bot sent to this user's private chat, in order."""
        target_bot = bot or self.emulator.default_bot
        conversation, _ = self._conversation(None, target_bot)

        def find() -> StoredMessage | None:
            start = self._cursors.get(target_bot.id, 0)
            for index in range(start, len(conversation.messages)):
                message = conversation.messages[index]
                if message.from_bot:
                    self._cursors[target_bot.id] = index + 1
                    return message
            return None

        message = await conversation.changes.wait_for(find, timeout)
        if message is None:
            raise NoMessageError(
                f"{self!r} got no new bot message within {timeout}s; the chat so far:\n"
                + format_transcript(self.transcript(bot=target_bot))
            )
        return to_transcript(message)

    async def wait_edit(
        self,
        message_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
        chat: SimGroup | int | None = None,
        *,
        bot: BotState | None = None,
    ) -> TranscriptMessage:
        """Wait until a message is edited after this call (or deleted); return its new state."""
        conversation, _ = self._conversation(chat, bot)
        message = conversation.by_id.get(message_id)
        if message is None:
            raise LookupError(f"message {message_id} not found in chat {conversation.chat_id}")
        before = (message.edit_date, dict(message.content), message.inline_markup)

        def changed() -> StoredMessage | None:
            now = (message.edit_date, message.content, message.inline_markup)
            return message if message.deleted or now != before else None

        result = await conversation.changes.wait_for(changed, timeout)
        if result is None:
            raise NoMessageError(
                f"message {message_id} was not edited within {timeout}s:\n"
                + format_transcript(self.transcript(chat, bot=bot))
            )
        return to_transcript(result)

    def skip_messages(self, *, bot: BotState | None = None) -> None:
        """Mark every message so far as read, so next_message waits for a new one."""
        target_bot = bot or self.emulator.default_bot
        conversation, _ = self._conversation(None, target_bot)
        self._cursors[target_bot.id] = len(conversation.messages)

    # ------------------------------------------------------------------ blocking

    def block(self, bot: BotState | None = None) -> None:
        self.emulator.block(self, bot)

    def unblock(self, bot: BotState | None = None) -> None:
        self.emulator.unblock(self, bot)


def new_query_id() -> str:
    return str(secrets.randbits(63))
