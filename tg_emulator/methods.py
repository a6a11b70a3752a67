"""Bot API methods: what each one does to the emulated Telegram and what it answers."""

from __future__ import annotations

import contextlib
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request, conflict, forbidden, too_many_requests
from .files import StoredFile, tiny_png
from .formatting import parse_text, utf16_len
from .limits import SENDING_METHODS
from .people import CallbackAnswer
from .spec import MethodSpec, Upload
from .state import BotState, Conversation, StoredMessage, WebhookConfig, now_ts

if TYPE_CHECKING:
    from .emulator import Emulator

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
COMMANDS_LIMIT = 100
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# Fields of InlineKeyboardButton that are not its action (exactly one action is required).
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass
class Call:
    emu: Emulator
    bot: BotState
    method: MethodSpec
    params: dict[str, Any]
    uploads: dict[str, Upload]

    @property
    def name(self) -> str:
        return self.method.name


Handler = Callable[[Call], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for name in names:
            HANDLERS[name.lower()] = function
        return function

    return register


async def dispatch(
    emu: Emulator,
    bot: BotState,
    method: MethodSpec,
    params: dict[str, Any],
    uploads: dict[str, Upload],
) -> Any:
    handler = HANDLERS.get(method.name.lower(), _acknowledge)
    return await handler(Call(emu, bot, method, params, uploads))


async def execute_webhook_reply(emu: Emulator, bot: BotState, reply: dict[str, Any]) -> None:
    """Run a method a webhook answered with; its result goes nowhere, like Telegram."""
    method = emu.spec.method(str(reply.get("method", "")))
    if method is None:
        return
    params = {key: value for key, value in reply.items() if key != "method"}
    emu.calls[method.name] += 1
    try:
        checked = emu.spec.coerce_and_validate(method, params, {})
        await dispatch(emu, bot, method, checked, {})
    except ApiError as error:
        emu.errors += 1
        if error.status == 400:
            emu.record_violation(method.name, params, error.description)


# ---------------------------------------------------------------------- helpers


def _target(call: Call, chat_key: str = "chat_id") -> Conversation:
    conversation = call.emu.conversation_for(call.bot, call.params[chat_key])
    if conversation.is_private and call.emu.is_blocked(call.bot, conversation.chat_id):
        raise forbidden("bot was blocked by the user")
    return conversation


def _check_rate(call: Call, conversation: Conversation) -> None:
    if call.name.lower() not in SENDING_METHODS:
        return
    retry_after = call.emu.limiter.check(
        call.bot.id,
        conversation.chat_id,
        conversation.is_private,
        bool(call.params.get("allow_paid_broadcast")),
    )
    if retry_after:
        call.emu.too_many_requests += 1
        raise too_many_requests(retry_after)


def _formatted(
    params: dict[str, Any], text_key: str, entities_key: str, limit: int, *, required: bool
) -> dict[str, Any]:
    raw = params.get(text_key)
    if raw is None:
        if required:
            raise bad_request("message text is empty")
        return {}
    if entities_key in params:
        text, entities = raw, params[entities_key]
    else:
        text, entities = parse_text(raw, params.get("parse_mode"))
    if required and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request(
            "message is too long" if text_key == "text" else "message caption is too long"
        )
    length = utf16_len(text)
    for entity in entities:
        if entity["offset"] < 0 or entity["offset"] + entity["length"] > length:
            raise bad_request("can't parse entities: entity is out of the text bounds")
    content: dict[str, Any] = {text_key: text} if text or text_key == "text" else {}
    if entities:
        content["entities" if text_key == "text" else "caption_entities"] = entities
    return content


def _text(params: dict[str, Any]) -> dict[str, Any]:
    return _formatted(params, "text", "entities", TEXT_LIMIT, required=True)


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    return _formatted(params, "caption", "caption_entities", CAPTION_LIMIT, required=False)


def _check_inline_keyboard(markup: dict[str, Any]) -> None:
    for row in markup["inline_keyboard"]:
        for button in row:
            actions = [key for key in button if key not in _BUTTON_DECORATION]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used, got {', '.join(sorted(actions))}"
                )
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            if "callback_data" in button:
                size = len(button["callback_data"].encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not button["url"]:
                raise bad_request("BUTTON_URL_INVALID")


def _markup(params: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Split reply_markup into (inline keyboard of the message, change of reply keyboard)."""
    markup = params.get("reply_markup")
    if not markup:
        return None, None
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup)
        return (markup if any(markup["inline_keyboard"]) else None), None
    if "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("keyboard button text must be non-empty")
    return None, markup


def _reply_to(conversation: Conversation, params: dict[str, Any]) -> dict[str, Any]:
    reply = params.get("reply_parameters")
    if not reply:
        return {}
    original = conversation.get(reply["message_id"])
    if original is None:
        if reply.get("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": original.to_api()}


def _store(
    call: Call,
    conversation: Conversation,
    content: dict[str, Any],
    inline: dict[str, Any] | None = None,
    reply_keyboard: dict[str, Any] | None = None,
) -> StoredMessage:
    return conversation.add(
        call.bot.user(),
        from_bot=True,
        content=content,
        bot_id=call.bot.id,
        inline_markup=inline,
        reply_keyboard=reply_keyboard,
    )


def _own_message(call: Call, action: str) -> tuple[Conversation, StoredMessage]:
    params = call.params
    if "inline_message_id" in params and "chat_id" not in params:
        raise bad_request(f"message to {action} not found")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    conversation = _target(call)
    message = conversation.get(params["message_id"])
    if message is None:
        raise bad_request(f"message to {action} not found")
    return conversation, message


def _file_from_input(
    call: Call, value: Any, kind: str, default_name: str
) -> tuple[StoredFile | None, list[dict[str, Any]] | None]:
    """Resolve an InputFile value: upload, attach://name, URL or file_id."""
    files = call.emu.files
    if isinstance(value, str) and value.startswith("attach://"):
        upload = call.uploads.get(value[len("attach://") :])
        if upload is None:
            raise bad_request(f"file attached as {value} was not found in the request")
        value = upload
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            return None, files.photo_sizes(value.data, count=3)
        mime = (
            mimetypes.guess_type(value.filename)[0]
            if value.content_type in ("", "application/octet-stream")
            else value.content_type
        )
        name = value.filename or default_name
        return files.add(kind, value.data, file_name=name, mime_type=mime), None
    if not isinstance(value, str) or not value:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if value.startswith(("http://", "https://")):
        # No internet here: the "downloaded" file is a placeholder.
        data = tiny_png() if kind == "photo" else b"downloaded from " + value.encode()
        if kind == "photo":
            return None, files.photo_sizes(data, count=3)
        name = value.rsplit("/", 1)[-1] or default_name
        return files.add(kind, data, file_name=name, mime_type=mimetypes.guess_type(name)[0]), None
    stored = files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    if kind == "photo":
        return None, files.photo_set(stored.file_id)
    return stored, None


def _media_object(stored: StoredFile, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if kind in ("document", "audio", "video", "animation") and stored.file_name:
        media["file_name"] = stored.file_name
    if stored.mime_type:
        media["mime_type"] = stored.mime_type
    if kind in ("voice", "audio", "video", "animation", "video_note"):
        media["duration"] = int(params.get("duration") or 1)
    if kind in ("video", "animation"):
        media["width"] = int(params.get("width") or 640)
        media["height"] = int(params.get("height") or 480)
    if kind == "sticker":
        media.update(
            {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        )
        media.pop("mime_type", None)
    return media


# ------------------------------------------------------------------ bot itself


@handles("getMe")
async def get_me(call: Call) -> Any:
    return call.bot.me()


@handles("logOut", "close")
async def log_out(call: Call) -> Any:
    return True


@handles("getUpdates")
async def get_updates(call: Call) -> Any:
    if call.bot.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first"
        )
    params = call.params
    limit = params.get("limit", 100)
    if not 1 <= limit <= 100:
        limit = 100 if limit > 100 else 1
    timeout = max(0, params.get("timeout", 0))
    return await call.emu.queue(call.bot).get_updates(
        params.get("offset"), limit, float(timeout), params.get("allowed_updates")
    )


@handles("setWebhook")
async def set_webhook(call: Call) -> Any:
    params = call.params
    url = params["url"]
    queue = call.emu.queue(call.bot)
    if params.get("drop_pending_updates"):
        queue.drop_all()
    if "allowed_updates" in params:
        queue.allowed_updates = params["allowed_updates"]
    if not url:
        call.bot.webhook = None
        call.emu.webhook_changed(call.bot)
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    call.bot.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=params.get("max_connections", 40),
        ip_address=params.get("ip_address"),
        has_custom_certificate="certificate" in params,
    )
    call.emu.webhook_changed(call.bot)
    return True


@handles("deleteWebhook")
async def delete_webhook(call: Call) -> Any:
    if call.params.get("drop_pending_updates"):
        call.emu.queue(call.bot).drop_all()
    call.bot.webhook = None
    call.emu.webhook_changed(call.bot)
    return True


@handles("getWebhookInfo")
async def get_webhook_info(call: Call) -> Any:
    queue = call.emu.queue(call.bot)
    webhook = call.bot.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": bool(webhook and webhook.has_custom_certificate),
        "pending_update_count": len(queue.pending),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.ip_address:
            info["ip_address"] = webhook.ip_address
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    if queue.allowed_updates:
        info["allowed_updates"] = queue.allowed_updates
    return info


# ---------------------------------------------------------------- sending


@handles("sendMessage")
async def send_message(call: Call) -> Any:
    conversation = _target(call)
    content = _text(call.params)
    if "link_preview_options" in call.params:
        content["link_preview_options"] = call.params["link_preview_options"]
    inline, keyboard = _markup(call.params)
    content.update(_reply_to(conversation, call.params))
    _check_rate(call, conversation)
    return _store(call, conversation, content, inline, keyboard).to_api()


_MEDIA_METHODS = {
    "sendphoto": ("photo", "photo.jpg"),
    "senddocument": ("document", "document"),
    "sendvoice": ("voice", "voice.ogg"),
    "sendaudio": ("audio", "audio.mp3"),
    "sendvideo": ("video", "video.mp4"),
    "sendanimation": ("animation", "animation.mp4"),
    "sendsticker": ("sticker", "sticker.webp"),
    "sendvideonote": ("video_note", "video_note.mp4"),
}


@handles(*_MEDIA_METHODS)
async def send_media(call: Call) -> Any:
    kind, default_name = _MEDIA_METHODS[call.name.lower()]
    conversation = _target(call)
    content = _caption(call.params) if kind != "sticker" else {}
    stored, sizes = _file_from_input(call, call.params[kind], kind, default_name)
    if sizes is not None:
        content["photo"] = sizes
    else:
        assert stored is not None
        content[kind] = _media_object(stored, kind, call.params)
    inline, keyboard = _markup(call.params)
    content.update(_reply_to(conversation, call.params))
    _check_rate(call, conversation)
    return _store(call, conversation, content, inline, keyboard).to_api()


@handles("sendMediaGroup")
async def send_media_group(call: Call) -> Any:
    conversation = _target(call)
    media = call.params["media"]
    if not 2 <= len(media) <= 10:
        raise bad_request("media group must contain 2-10 items")
    kinds = {item["type"] for item in media}
    if len(kinds) > 1 and not kinds <= {"photo", "video"}:
        raise bad_request(f"can't mix {' and '.join(sorted(kinds))} in one media group")
    reply = _reply_to(conversation, call.params)
    prepared = []
    for index, item in enumerate(media):
        kind = item["type"]
        content = _caption(item)
        stored, sizes = _file_from_input(call, item["media"], kind, f"file{index}")
        if sizes is not None:
            content["photo"] = sizes
        else:
            assert stored is not None
            content[kind] = _media_object(stored, kind, item)
        prepared.append(content)
    _check_rate(call, conversation)
    group_id = str(
        13_100_000_000_000_000 + conversation.next_message_id * 1000 + conversation.chat_id % 997
    )
    return [
        _store(call, conversation, {**content, **reply, "media_group_id": group_id}).to_api()
        for content in prepared
    ]


@handles("sendLocation")
async def send_location(call: Call) -> Any:
    conversation = _target(call)
    params = call.params
    content = {"location": {"latitude": params["latitude"], "longitude": params["longitude"]}}
    inline, keyboard = _markup(params)
    _check_rate(call, conversation)
    return _store(call, conversation, content, inline, keyboard).to_api()


@handles("sendContact")
async def send_contact(call: Call) -> Any:
    conversation = _target(call)
    params = call.params
    contact = {
        key: params[key]
        for key in ("phone_number", "first_name", "last_name", "vcard")
        if key in params
    }
    inline, keyboard = _markup(params)
    _check_rate(call, conversation)
    return _store(call, conversation, {"contact": contact}, inline, keyboard).to_api()


@handles("sendDice")
async def send_dice(call: Call) -> Any:
    conversation = _target(call)
    emoji = call.params.get("emoji", "🎲")
    _check_rate(call, conversation)
    return _store(call, conversation, {"dice": {"emoji": emoji, "value": 1}}).to_api()


@handles("sendChatAction")
async def send_chat_action(call: Call) -> Any:
    _target(call)
    if call.params["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def _copied_content(message: StoredMessage) -> dict[str, Any]:
    return {
        key: value
        for key, value in message.content.items()
        if key not in ("reply_to_message", "media_group_id", "forward_origin")
    }


@handles("copyMessage")
async def copy_message(call: Call) -> Any:
    source = _target(call, "from_chat_id")
    original = source.get(call.params["message_id"])
    if original is None:
        raise bad_request("message to copy not found")
    conversation = _target(call)
    content = _copied_content(original)
    if "caption" in call.params:
        if "text" in content:
            raise bad_request("can't set caption of a text message")
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(call.params))
    inline, keyboard = _markup(call.params)
    content.update(_reply_to(conversation, call.params))
    _check_rate(call, conversation)
    copy = _store(call, conversation, content, inline, keyboard)
    return {"message_id": copy.message_id}


@handles("forwardMessage")
async def forward_message(call: Call) -> Any:
    source = _target(call, "from_chat_id")
    original = source.get(call.params["message_id"])
    if original is None:
        raise bad_request("message to forward not found")
    conversation = _target(call)
    content = _copied_content(original)
    if original.sender.get("is_bot") or source.is_private:
        origin: dict[str, Any] = {
            "type": "user",
            "date": original.date,
            "sender_user": original.sender,
        }
    else:
        origin = {"type": "chat", "date": original.date, "sender_chat": source.chat}
    content["forward_origin"] = origin
    _check_rate(call, conversation)
    return _store(call, conversation, content).to_api()


# ------------------------------------------------------------------ editing


def _finish_edit(
    message: StoredMessage,
    conversation: Conversation,
    content: dict[str, Any],
    inline: dict[str, Any] | None,
) -> dict[str, Any]:
    if content == message.content and inline == message.inline_markup:
        raise bad_request(NOT_MODIFIED)
    message.content = content
    message.inline_markup = inline
    message.edit_date = now_ts()
    conversation.changes.notify()
    return message.to_api()


def _check_editable(call: Call, message: StoredMessage) -> None:
    if not message.from_bot or message.bot_id != call.bot.id:
        raise bad_request("message can't be edited")


@handles("editMessageText")
async def edit_message_text(call: Call) -> Any:
    conversation, message = _own_message(call, "edit")
    _check_editable(call, message)
    if "text" not in message.content:
        raise bad_request("there is no text in the message to edit")
    text = _text(call.params)
    content = {
        key: value
        for key, value in message.content.items()
        if key not in ("text", "entities", "link_preview_options")
    }
    content.update(text)
    if "link_preview_options" in call.params:
        content["link_preview_options"] = call.params["link_preview_options"]
    # An edit without reply_markup removes the inline keyboard, as on Telegram.
    inline, _ = _markup(call.params)
    return _finish_edit(message, conversation, content, inline)


@handles("editMessageCaption")
async def edit_message_caption(call: Call) -> Any:
    conversation, message = _own_message(call, "edit")
    _check_editable(call, message)
    if "text" in message.content:
        raise bad_request("there is no caption in the message to edit")
    content = {
        key: value
        for key, value in message.content.items()
        if key not in ("caption", "caption_entities")
    }
    content.update(_caption(call.params))
    inline, _ = _markup(call.params)
    return _finish_edit(message, conversation, content, inline)


@handles("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Any:
    conversation, message = _own_message(call, "edit")
    _check_editable(call, message)
    inline, _ = _markup(call.params)
    return _finish_edit(message, conversation, dict(message.content), inline)


@handles("editMessageMedia")
async def edit_message_media(call: Call) -> Any:
    conversation, message = _own_message(call, "edit")
    _check_editable(call, message)
    media = call.params["media"]
    kind = media["type"]
    content = {
        key: value
        for key, value in message.content.items()
        if key
        not in ("photo", "document", "audio", "video", "animation", "caption", "caption_entities")
    }
    if "text" in content:
        raise bad_request("there is no media in the message to edit")
    content.update(_caption(media))
    stored, sizes = _file_from_input(call, media["media"], kind, "file")
    if sizes is not None:
        content["photo"] = sizes
    else:
        assert stored is not None
        content[kind] = _media_object(stored, kind, media)
    inline, _ = _markup(call.params)
    return _finish_edit(message, conversation, content, inline)


@handles("deleteMessage")
async def delete_message(call: Call) -> Any:
    conversation = _target(call)
    message = conversation.get(call.params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    if not conversation.is_private and not message.from_bot:
        group = call.emu.group_of(conversation)
        if group is not None and group.type == "group":
            raise bad_request("message can't be deleted")
    message.deleted = True
    conversation.changes.notify()
    return True


@handles("deleteMessages")
async def delete_messages(call: Call) -> Any:
    conversation = _target(call)
    ids = call.params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    # Telegram skips messages it can't find.
    for message_id in ids:
        message = conversation.get(message_id)
        if message is not None:
            message.deleted = True
    conversation.changes.notify()
    return True


@handles("answerCallbackQuery")
async def answer_callback_query(call: Call) -> Any:
    params = call.params
    text = params.get("text")
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        text=text,
        show_alert=bool(params.get("show_alert", False)),
        url=params.get("url"),
        cache_time=int(params.get("cache_time", 0)),
    )
    call.emu.answer_callback(call.bot, params["callback_query_id"], answer)
    return True


@handles("pinChatMessage")
async def pin_chat_message(call: Call) -> Any:
    conversation = _target(call)
    if conversation.get(call.params["message_id"]) is None:
        raise bad_request("message to pin not found")
    conversation.pinned.append(call.params["message_id"])
    return True


@handles("unpinChatMessage")
async def unpin_chat_message(call: Call) -> Any:
    conversation = _target(call)
    message_id = call.params.get("message_id")
    if message_id is None:
        if conversation.pinned:
            conversation.pinned.pop()
    elif message_id in conversation.pinned:
        conversation.pinned.remove(message_id)
    else:
        raise bad_request("message to unpin not found")
    return True


@handles("unpinAllChatMessages")
async def unpin_all_chat_messages(call: Call) -> Any:
    _target(call).pinned.clear()
    return True


# ------------------------------------------------------------------- files


@handles("getFile")
async def get_file(call: Call) -> Any:
    stored = call.emu.files.get(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file_object()


# --------------------------------------------------------------- chats


@handles("getChat")
async def get_chat(call: Call) -> Any:
    conversation = call.emu.conversation_for(call.bot, call.params["chat_id"])
    info = call.emu.spec.default_object("ChatFullInfo")
    info.update(conversation.chat)
    info["max_reaction_count"] = 11
    if conversation.pinned:
        pinned = conversation.get(conversation.pinned[-1])
        if pinned is not None:
            info["pinned_message"] = pinned.to_api()
    return info


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    if status == "kicked":
        member["until_date"] = 0
    return member


@handles("getChatMember")
async def get_chat_member(call: Call) -> Any:
    conversation = call.emu.conversation_for(call.bot, call.params["chat_id"])
    user_id = call.params["user_id"]
    if user_id == call.bot.id:
        return _member(call.bot.user(), "member" if conversation.is_private else "administrator")
    if conversation.is_private:
        if user_id != conversation.chat_id:
            raise bad_request("user not found")
        return _member(call.emu.user(user_id).as_api(), "member")
    group = call.emu.group_of(conversation)
    assert group is not None
    for index, member in enumerate(group.members):
        if member.id == user_id:
            return _member(member.as_api(), "creator" if index == 0 else "member")
    with contextlib.suppress(LookupError):
        return _member(call.emu.user(user_id).as_api(), "left")
    raise bad_request("user not found")


@handles("getChatMemberCount")
async def get_chat_member_count(call: Call) -> Any:
    conversation = call.emu.conversation_for(call.bot, call.params["chat_id"])
    group = call.emu.group_of(conversation)
    return 2 if group is None else len(group.members) + len(group.bots)


@handles("getChatAdministrators")
async def get_chat_administrators(call: Call) -> Any:
    conversation = call.emu.conversation_for(call.bot, call.params["chat_id"])
    group = call.emu.group_of(conversation)
    if group is None:
        raise bad_request("there are no administrators in the private chat")
    return [_member(group.members[0].as_api(), "creator")] if group.members else []


@handles("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> Any:
    chat_id = call.params.get("chat_id")
    if chat_id is not None:
        chat_id = call.emu.conversation_for(call.bot, chat_id).chat_id
    call.bot.menu_buttons[chat_id] = call.params.get("menu_button") or {"type": "default"}
    return True


@handles("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> Any:
    chat_id = call.params.get("chat_id")
    if chat_id is not None:
        chat_id = call.emu.conversation_for(call.bot, chat_id).chat_id
    buttons = call.bot.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}


# ------------------------------------------------------------- commands


def _commands_key(call: Call) -> tuple[str, str]:
    scope = call.params.get("scope") or {"type": "default"}
    language = call.params.get("language_code", "")
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request(
            f"invalid language code {language!r}: a two-letter ISO 639-1 code or empty"
        )
    parts = [scope["type"]]
    if "chat_id" in scope:
        parts.append(str(call.emu.conversation_for(call.bot, scope["chat_id"]).chat_id))
    if "user_id" in scope:
        parts.append(str(scope["user_id"]))
    return ":".join(parts), language


@handles("setMyCommands")
async def set_my_commands(call: Call) -> Any:
    commands = call.params["commands"]
    if len(commands) > COMMANDS_LIMIT:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"].strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(call)
    if commands:
        call.bot.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        call.bot.commands.pop(key, None)
    return True


@handles("getMyCommands")
async def get_my_commands(call: Call) -> Any:
    return call.bot.commands.get(_commands_key(call), [])


@handles("deleteMyCommands")
async def delete_my_commands(call: Call) -> Any:
    call.bot.commands.pop(_commands_key(call), None)
    return True


# ---------------------------------------------------------------- the rest


async def _acknowledge(call: Call) -> Any:
    """Methods the emulator only acknowledges: a valid answer of the declared type."""
    returns = call.method.returns
    if returns[:1] == ("Message",) and "chat_id" in call.params:
        conversation = _target(call)
        _check_rate(call, conversation)
        return _store(call, conversation, {}).to_api()
    if returns[:1] == ("MessageId",):
        return {"message_id": 0}
    if not returns:
        return True
    return call.emu.spec.default_object(returns[0])
