"""A third front end, for conversation tests: the emulator's Bot API called in-process.

The real pipeline, routers, outbox, sender, scheduler and delivery plan run as in production;
only the client library and HTTP are left out. Updates are taken from the emulator's queue and
handed to the pipeline (each chat's in order, different chats at once, like both adapters); the
delivery plan's calls go straight to the emulator's method handlers, validated against the Bot
API specification as over HTTP. A conversation test then costs milliseconds per step, so every
dialog and side path can have one; what only an adapter does (its HTTP, its parsing, polling and
webhooks, its refusals) is proved end to end through aiogram and python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram.types import Update
from pydantic import ValidationError

from bot.channels import delivery_plan
from bot.channels.chat_order import ChatTurns
from bot.channels.telegram_update import to_inbound
from bot.runtime.core import Core
from bot.runtime.pipeline import Pipeline
from bot.runtime.sender import Delivery
from bot.runtime.supervisor import run_all
from bot.views.commands import default_menus
from core.enums import UploadKind
from core.services.outbox import OutboxItem, OutgoingFile
from tg_emulator import Emulator
from tg_emulator.errors import ApiError
from tg_emulator.methods import dispatch
from tg_emulator.spec import Upload
from tg_emulator.state import BotState

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
POLL_SECONDS = 3600  # woken by the emulator as soon as an update is queued


class InProcessApi:
    """One Bot API call without HTTP: validated, counted and recorded like the server does."""

    def __init__(self, emulator: Emulator, bot: BotState) -> None:
        self.emulator = emulator
        self.bot = bot

    async def __call__(
        self, name: str, uploads: dict[str, Upload] | None = None, **params: Any
    ) -> Any:
        emulator = self.emulator
        method = emulator.spec.method(name)
        if method is None:
            raise ApiError(404, "Not Found")
        emulator.calls[method.name] += 1
        raw = {key: value for key, value in params.items() if value is not None}
        try:
            checked = emulator.spec.coerce_and_validate(method, raw, uploads or {})
            return await dispatch(emulator, self.bot, method, checked, uploads or {})
        except ApiError as error:
            emulator.errors += 1
            if error.status == 400:
                emulator.record_violation(method.name, raw, error.description)
            raise


class InProcessTransport:
    """bot.channels.delivery_plan's calls, made on the emulator directly."""

    def __init__(self, api: InProcessApi) -> None:
        self.api = api

    async def deliver(self, item: OutboxItem) -> Delivery:
        return await delivery_plan.deliver(self, item)

    def refusal(self, exc: Exception) -> Delivery | None:
        if not isinstance(exc, ApiError):
            return None
        if exc.status == 429:
            return Delivery(retry_after=float((exc.parameters or {}).get("retry_after", 1)))
        if exc.status == 403:
            return Delivery(blocked=True)
        if exc.status == 400 and "message is not modified" in exc.description:
            return Delivery()
        return Delivery(error=exc.description, permanent=exc.status == 400)

    async def send_text(
        self, chat_id: int, text: str, markup: dict[str, Any] | None, paid: bool
    ) -> int:
        sent = await self.api(
            "sendMessage", chat_id=chat_id, text=text, reply_markup=_markup(markup), **_paid(paid)
        )
        return int(sent["message_id"])

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        sent = await self.api(
            "sendPhoto",
            chat_id=chat_id,
            photo=photo,
            caption=caption,
            reply_markup=_markup(markup),
            **_paid(paid),
        )
        return int(sent["message_id"])

    async def send_album(self, chat_id: int, photos: tuple[str, ...], paid: bool) -> int:
        media = [{"type": "photo", "media": photo} for photo in photos]
        sent = await self.api("sendMediaGroup", chat_id=chat_id, media=media, **_paid(paid))
        return int(sent[-1]["message_id"])

    async def send_document(self, chat_id: int, document: str, paid: bool) -> int:
        sent = await self.api("sendDocument", chat_id=chat_id, document=document, **_paid(paid))
        return int(sent["message_id"])

    async def send_voice(
        self,
        chat_id: int,
        voice: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        sent = await self.api(
            "sendVoice",
            chat_id=chat_id,
            voice=voice,
            caption=caption,
            reply_markup=_markup(markup),
            **_paid(paid),
        )
        return int(sent["message_id"])

    async def send_upload(
        self,
        chat_id: int,
        file: OutgoingFile,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        """As a multipart upload is parsed: the file arrives as a part of the request."""
        field = "photo" if file.kind is UploadKind.PHOTO else "document"
        sent = await self.api(
            "sendPhoto" if file.kind is UploadKind.PHOTO else "sendDocument",
            uploads={field: Upload(file.filename, "", file.content)},
            chat_id=chat_id,
            caption=caption,
            reply_markup=_markup(markup),
            **_paid(paid),
        )
        return int(sent["message_id"])

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, markup: dict[str, Any]
    ) -> None:
        keyboard = _markup(markup)
        inline = keyboard if keyboard and "inline_keyboard" in keyboard else None
        await self.api(
            "editMessageText",
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            reply_markup=inline,
        )

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self.api("deleteMessage", chat_id=chat_id, message_id=message_id)

    async def set_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None:
        await self.api(
            "setMyCommands",
            commands=[{"command": c, "description": d} for c, d in commands],
            scope={"type": "chat", "chat_id": chat_id},
        )


def _paid(paid: bool) -> dict[str, Any]:
    return {"allow_paid_broadcast": True} if paid else {}


def _markup(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The same keyboards both adapters build, as Bot API JSON."""
    if payload is None:
        return None
    if payload.get("buttons"):
        return {
            "inline_keyboard": [
                [
                    {"text": b["text"], "url": b["url"]}
                    if "url" in b
                    else {"text": b["text"], "callback_data": b["data"]}
                    for b in row
                ]
                for row in payload["buttons"]
            ]
        }
    if payload.get("keyboard"):
        return {
            "keyboard": [
                [
                    {"text": k["text"], **({"request_contact": True} if k["contact"] else {})}
                    for k in row
                ]
                for row in payload["keyboard"]
            ],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    if payload.get("remove_keyboard"):
        return {"remove_keyboard": True}
    return None


async def _handle(api: InProcessApi, pipeline: Pipeline, turns: ChatTurns, raw: dict) -> None:
    try:
        update = Update.model_validate(raw, context={})
    except ValidationError:  # a shape this aiogram does not know: skipped, as aiogram skips it
        log.warning("update %s could not be read; skipped", raw.get("update_id"))
        return
    inbound = to_inbound(update, api.bot.id, pipeline.wall_clock.now())
    if inbound is None:
        return
    async with turns.turn(inbound.chat_id):
        handled = await pipeline.process(inbound)
    if inbound.callback_id is not None:
        toast = handled.toast[:200] if handled.toast else None
        with contextlib.suppress(ApiError):  # too old: the press was handled all the same
            await api(
                "answerCallbackQuery",
                callback_query_id=inbound.callback_id,
                text=toast,
                show_alert=handled.alert or None,
            )


async def feed_updates(api: InProcessApi, pipeline: Pipeline) -> None:
    """getUpdates in-process: each update handled as a task, in each chat's order."""
    turns = ChatTurns()
    handling: set[asyncio.Task[None]] = set()
    offset: int | None = None
    try:
        while True:
            updates = await api("getUpdates", offset=offset, timeout=POLL_SECONDS)
            for raw in updates:
                offset = int(raw["update_id"]) + 1
                task = asyncio.create_task(_handle(api, pipeline, turns, raw))
                handling.add(task)
                task.add_done_callback(handling.discard)
                await asyncio.sleep(0)  # the update takes its turn before the next one
    finally:
        # Updates being handled finish (a cancelled handling would leave its transaction for
        # the database to time out); only one still running after a while is cancelled.
        if handling:
            waiting = asyncio.gather(*handling, return_exceptions=True)
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiting), STOP_GRACE_SECONDS)
            for task in list(handling):
                task.cancel()
            await asyncio.gather(*handling, return_exceptions=True)


async def run_inprocess(core: Core, emulator: Emulator, token: str) -> None:
    bot = emulator.bot_by_token(token)
    if bot is None:
        raise LookupError("the emulator has no bot with this token")
    api = InProcessApi(emulator, bot)
    sender = core.attach_sender(InProcessTransport(api))
    for language_code, items in default_menus(core.config.default_locale).items():
        await api(
            "setMyCommands",
            commands=[{"command": c, "description": d} for c, d in items],
            scope={"type": "default"},
            language_code=language_code or None,
        )
    loops = core.background_loops(sender)
    loops["updates"] = lambda: feed_updates(api, core.pipeline)
    await run_all(loops)
