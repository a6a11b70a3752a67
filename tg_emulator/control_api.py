"""The JSON control API beside the Bot API: outside tools drive simulated people here."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import FAULT_KINDS

if TYPE_CHECKING:
    from .emulator import Emulator
    from .people import SimUser


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _emulator(request: web.Request) -> Emulator:
    from .server import EMULATOR_KEY

    return request.app[EMULATOR_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "the request body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the request body must be a JSON object")
    return body


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be an integer") from None


def _user(request: web.Request) -> SimUser:
    user_id = _int(request.match_info["user_id"], "user id")
    try:
        return _emulator(request).user(user_id)
    except LookupError:
        raise ControlError(404, f"no simulated user {user_id}") from None


def _chat(request: web.Request, body: dict[str, Any]) -> int | None:
    chat = body.get("chat_id")
    return None if chat is None else _int(chat, "chat_id")


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/sandbox/"):
        return await handler(request)
    try:
        return await handler(request)
    except ControlError as error:
        return web.json_response({"ok": False, "error": error.message}, status=error.status)
    except (LookupError, ValueError) as error:
        return web.json_response({"ok": False, "error": str(error)}, status=400)


async def create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    if not isinstance(body.get("first_name"), str) or not body["first_name"]:
        raise ControlError(400, "first_name is required")
    user = _emulator(request).create_user(
        first_name=body["first_name"],
        last_name=body.get("last_name"),
        language_code=body.get("language_code", "en"),
        id=None if body.get("id") is None else _int(body["id"], "id"),
        username=body.get("username"),
    )
    return web.json_response({"id": user.id, "chat_id": user.chat_id})


async def send(request: web.Request) -> web.Response:
    user = _user(request)
    body = await _body(request)
    chat = _chat(request, body)
    if "text" in body:
        if not isinstance(body["text"], str) or not body["text"]:
            raise ControlError(400, "text must be a non-empty string")
        message_id = await user.send_text(body["text"], chat)
    elif body.get("photo"):
        message_id = await user.send_photo(caption=body.get("caption"), chat=chat)
    elif isinstance(body.get("document"), dict):
        document = body["document"]
        message_id = await user.send_document(
            document.get("file_name", "document.pdf"), chat=chat, caption=body.get("caption")
        )
    elif isinstance(body.get("contact"), dict):
        contact = body["contact"]
        if not contact.get("phone_number"):
            raise ControlError(400, "contact.phone_number is required")
        message_id = await user.send_contact(
            str(contact["phone_number"]), contact.get("first_name"), chat
        )
    elif isinstance(body.get("location"), dict):
        location = body["location"]
        try:
            latitude, longitude = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ControlError(400, "location needs numeric latitude and longitude") from None
        message_id = await user.send_location(latitude, longitude, chat)
    elif body.get("voice"):
        message_id = await user.send_voice(chat=chat)
    elif body.get("sticker"):
        message_id = await user.send_sticker(chat=chat)
    else:
        raise ControlError(
            400, "send one of: text, photo, document, contact, location, voice, sticker"
        )
    return web.json_response({"message_id": message_id})


async def press(request: web.Request) -> web.Response:
    user = _user(request)
    body = await _body(request)
    chat = _chat(request, body)
    timeout = float(body.get("timeout", 5.0))
    if "button_text" in body:
        answer = await user.press_button(str(body["button_text"]), chat, timeout=timeout)
    elif "message_id" in body and "callback_data" in body:
        answer = await user.press(
            _int(body["message_id"], "message_id"),
            str(body["callback_data"]),
            chat,
            timeout=timeout,
        )
    else:
        raise ControlError(400, "give message_id and callback_data, or button_text")
    return web.json_response({"ok": True, "answer": asdict(answer) if answer else None})


async def block(request: web.Request) -> web.Response:
    user = _user(request)
    _emulator(request).block(user)
    return web.json_response({"ok": True})


async def unblock(request: web.Request) -> web.Response:
    user = _user(request)
    _emulator(request).unblock(user)
    return web.json_response({"ok": True})


def _transcript_entry(message: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"message_id": message.message_id, "from_bot": message.from_bot}
    if message.caption is not None or message.text is None:
        entry["caption"] = message.caption
    if message.text is not None:
        entry["text"] = message.text
    entry.update(
        {
            "has_photo": message.has_photo,
            "buttons": message.buttons,
            "edited": message.edited,
            "deleted": message.deleted,
            "date": message.date,
        }
    )
    if message.document:
        entry["document"] = message.document
    if message.reply_keyboard is not None:
        entry["reply_keyboard"] = message.reply_keyboard
    return entry


async def chat_messages(request: web.Request) -> web.Response:
    emulator = _emulator(request)
    chat_id = _int(request.match_info["chat_id"], "chat id")
    bot = None
    if "bot_id" in request.query:
        bot = emulator.bot_by_id(_int(request.query["bot_id"], "bot_id"))
        if bot is None:
            raise ControlError(404, "no such bot")
    if chat_id < 0:
        try:
            emulator.group(chat_id)
        except LookupError:
            raise ControlError(404, f"no chat {chat_id}") from None
    elif chat_id not in {user.id for user in emulator.users}:
        raise ControlError(404, f"no chat {chat_id}")
    transcript = emulator.transcript(chat_id, bot)
    return web.json_response([_transcript_entry(m) for m in transcript])


async def stats(request: web.Request) -> web.Response:
    return web.json_response(_emulator(request).stats())


async def add_fault(request: web.Request) -> web.Response:
    body = await _body(request)
    if body.get("kind") not in FAULT_KINDS:
        raise ControlError(400, 'kind must be "5xx", "429", "slow" or "drop"')
    methods = body.get("methods")
    if methods is not None and (
        not isinstance(methods, list) or not all(isinstance(m, str) for m in methods)
    ):
        raise ControlError(400, "methods must be a list of method names")
    try:
        rule = _emulator(request).add_fault(
            body["kind"],
            share=float(body.get("share", 1.0)),
            seconds=None if body.get("seconds") is None else float(body["seconds"]),
            methods=methods,
            delay=float(body.get("delay", 1.0)),
            delay_max=None if body.get("delay_max") is None else float(body["delay_max"]),
            status=int(body.get("status", 502)),
            retry_after=int(body.get("retry_after", 1)),
            after=int(body.get("after", 0)),
            times=None if body.get("times") is None else int(body["times"]),
        )
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return web.json_response(
        {"ok": True, "fault": {"kind": rule.kind, "share": rule.share, "status": rule.status}}
    )


async def clear_faults(request: web.Request) -> web.Response:
    _emulator(request).clear_faults()
    return web.json_response({"ok": True})


async def create_group(request: web.Request) -> web.Response:
    emulator = _emulator(request)
    body = await _body(request)
    if not isinstance(body.get("title"), str) or not body["title"]:
        raise ControlError(400, "title is required")
    members = []
    for member_id in body.get("members", []):
        try:
            members.append(emulator.user(_int(member_id, "member id")))
        except LookupError:
            raise ControlError(404, f"no simulated user {member_id}") from None
    group = emulator.create_group(
        body["title"], members, supergroup=bool(body.get("supergroup", False))
    )
    return web.json_response({"chat_id": group.id})


def add_control_routes(app: web.Application) -> None:
    app.middlewares.append(control_errors)
    router = app.router
    router.add_post("/sandbox/users", create_user)
    router.add_post("/sandbox/users/{user_id}/send", send)
    router.add_post("/sandbox/users/{user_id}/press", press)
    router.add_post("/sandbox/users/{user_id}/block", block)
    router.add_post("/sandbox/users/{user_id}/unblock", unblock)
    router.add_get("/sandbox/chats/{chat_id}/messages", chat_messages)
    router.add_get("/sandbox/stats", stats)
    router.add_post("/sandbox/faults", add_fault)
    router.add_delete("/sandbox/faults", clear_faults)
    router.add_post("/sandbox/groups", create_group)
