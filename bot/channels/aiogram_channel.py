"""The aiogram 3 front end: updates in, outbox items out. Thin by design.

Updates come in through bot.channels.telegram_intake (polling or webhook), which acknowledges
each only once it is recorded, and reach the dispatcher by `update_handler`: aiogram's own
polling (`poll`, kept for the benchmark's baselines) acknowledges an update as soon as it holds it.

Per-update duties (de-duplication, unit of work, locale, errors, answering every button press)
run in one outer middleware that drives the neutral pipeline; each neutral role router is
wrapped in an aiogram Router with its role filter, in the pipeline's order.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
)

from bot.channels import aiogram_speedups, delivery_plan  # noqa: F401 - speedups: see there
from bot.channels.chat_order import ChatTurns
from bot.channels.telegram_intake import Handle, Intake, intake_loops
from bot.channels.telegram_update import HANDLED_KINDS, to_inbound
from bot.conversation import routing
from bot.conversation.context import Context
from bot.conversation.events import Inbound
from bot.runtime.core import Core
from bot.runtime.pipeline import Handled, Pipeline
from bot.runtime.sender import Delivery
from bot.runtime.supervisor import run_all
from bot.views.commands import default_menus as command_menus
from core.db import json_dumps
from core.enums import UploadKind
from core.services.outbox import OutboxItem, OutgoingFile

log = logging.getLogger(__name__)


def make_bot(token: str, api_base: str) -> Bot:
    # orjson: aiogram encodes every keyboard and decodes every answer as JSON, and with the
    # standard library that was a tenth of the bot's time (bench/RESULTS.md).
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(api_base.rstrip("/")),
        json_loads=orjson.loads,
        json_dumps=json_dumps,
    )
    return Bot(token=token, session=session)


class PipelineMiddleware(BaseMiddleware):
    """Everything around the role routers: the neutral pipeline's begin, finish and fail."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.turns = ChatTurns()

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        inbound = to_inbound(event, bot.id, self.pipeline.wall_clock.now())
        if inbound is None:
            return UNHANDLED
        async with self.turns.turn(inbound.chat_id):  # aiogram handles updates as tasks
            handled = await self._handle(handler, event, data, inbound)
        if inbound.callback_id is not None:
            await answer_button(bot, inbound.callback_id, handled.toast, handled.alert)
        return None

    async def _handle(
        self, handler: Any, event: Update, data: dict[str, Any], inbound: Inbound
    ) -> Handled:
        async def role_routers(ctx: Context) -> None:
            data["ctx"] = ctx
            data["payload"] = self.pipeline.decode_payload(ctx)
            await handler(event, data)

        return await self.pipeline.handle(inbound, role_routers)


async def answer_button(bot: Bot, callback_id: str, toast: str | None, alert: bool = False) -> None:
    """Every press is answered, or the person's client shows a spinner for a long while."""
    try:
        await bot.answer_callback_query(
            callback_id, text=toast[:200] if toast else None, show_alert=alert or None
        )
    except (TelegramAPIError, TelegramNetworkError) as exc:  # too old, or the network: the
        log.info("could not answer callback %s: %s", callback_id, exc)  # press counts anyway


def _role_router(neutral: routing.Router) -> Router:
    router = Router(name=neutral.name)

    # A coroutine on purpose: aiogram runs a plain function filter in a worker thread.
    async def allowed(event: TelegramObject, ctx: Context) -> bool:
        return neutral.allows(ctx)

    async def handle(event: TelegramObject, ctx: Context, payload: Any) -> Any:
        return None if await neutral.dispatch(ctx, payload) else UNHANDLED

    router.message.register(handle, allowed)
    router.callback_query.register(handle, allowed)
    return router


def update_handler(dispatcher: Dispatcher, bot: Bot) -> Handle:
    """An update as Telegram sent it (from the intake) through the dispatcher."""

    async def handle(raw: dict[str, Any]) -> None:
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))

    return handle


def build_dispatcher(pipeline: Pipeline) -> Dispatcher:
    # No aiogram FSM: dialogs keep their state in the database (its default storage is memory).
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.update.outer_middleware(PipelineMiddleware(pipeline))
    for neutral in pipeline.routers:
        dispatcher.include_router(_role_router(neutral))
    return dispatcher


def _markup(payload: dict[str, Any] | None) -> Any:
    if payload is None:
        return None
    if payload.get("buttons"):
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=b["text"], url=b["url"])
                    if "url" in b
                    else InlineKeyboardButton(text=b["text"], callback_data=b["data"])
                    for b in row
                ]
                for row in payload["buttons"]
            ]
        )
    if payload.get("keyboard"):
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=k["text"], request_contact=k["contact"] or None) for k in row]
                for row in payload["keyboard"]
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if payload.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return None


class AiogramTransport:
    """The Bot API calls of bot.channels.delivery_plan, made with aiogram."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, item: OutboxItem) -> Delivery:
        return await delivery_plan.deliver(self, item)

    def refusal(self, exc: Exception) -> Delivery | None:
        if isinstance(exc, TelegramRetryAfter):
            return Delivery(retry_after=float(exc.retry_after))
        if isinstance(exc, TelegramForbiddenError):
            return Delivery(blocked=True)
        if isinstance(exc, TelegramBadRequest):
            if "message is not modified" in exc.message:
                return Delivery()
            return Delivery(error=exc.message, permanent=True)
        if isinstance(exc, (TelegramServerError, TelegramNetworkError)):
            return Delivery(error=str(exc))
        return None

    async def send_text(
        self, chat_id: int, text: str, markup: dict[str, Any] | None, paid: bool
    ) -> int:
        sent = await self.bot.send_message(
            chat_id, text, reply_markup=_markup(markup), **_paid(paid)
        )
        return sent.message_id

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        sent = await self.bot.send_photo(
            chat_id, photo, caption=caption, reply_markup=_markup(markup), **_paid(paid)
        )
        return sent.message_id

    async def send_album(self, chat_id: int, photos: tuple[str, ...], paid: bool) -> int:
        media = [InputMediaPhoto(media=photo) for photo in photos]
        sent = await self.bot.send_media_group(chat_id, media, **_paid(paid))
        return sent[-1].message_id

    async def send_document(self, chat_id: int, document: str, paid: bool) -> int:
        sent = await self.bot.send_document(chat_id, document, **_paid(paid))
        return sent.message_id

    async def send_voice(
        self,
        chat_id: int,
        voice: str,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        sent = await self.bot.send_voice(
            chat_id, voice, caption=caption, reply_markup=_markup(markup), **_paid(paid)
        )
        return sent.message_id

    async def send_upload(
        self,
        chat_id: int,
        file: OutgoingFile,
        caption: str | None,
        markup: dict[str, Any] | None,
        paid: bool,
    ) -> int:
        upload = BufferedInputFile(file.content, filename=file.filename)
        send = self.bot.send_photo if file.kind is UploadKind.PHOTO else self.bot.send_document
        sent = await send(
            chat_id, upload, caption=caption, reply_markup=_markup(markup), **_paid(paid)
        )
        return sent.message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, markup: dict[str, Any]
    ) -> None:
        keyboard = _markup(markup)
        await self.bot.edit_message_text(
            text=text,
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=keyboard if isinstance(keyboard, InlineKeyboardMarkup) else None,
        )

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self.bot.delete_message(chat_id, message_id)

    async def set_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in commands],
            scope=BotCommandScopeChat(chat_id=chat_id),
        )


def _paid(paid: bool) -> dict[str, Any]:
    return {"allow_paid_broadcast": True} if paid else {}


async def set_default_commands(bot: Bot, commands: dict[str, list[tuple[str, str]]]) -> None:
    """The menu for people we have not met: Simplified by default and for `zh` clients.

    Telegram keys menus by a two-letter language code, which cannot tell the scripts apart, so
    each known person also gets a menu in their own script and role (an outbox COMMANDS item).
    """
    for language_code, items in commands.items():
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in items],
            scope=BotCommandScopeDefault(),
            language_code=language_code or None,
        )


async def poll(dispatcher: Dispatcher, bot: Bot, poll_seconds: int = 10) -> None:
    """aiogram's own long polling, stopping cleanly when cancelled: for the benchmark's bare
    aiogram bots. It acknowledges an update as soon as it holds it; the bot polls through
    bot.channels.telegram_intake instead.

    Cancelling start_polling itself would leave its inner polling task running, so a
    cancellation is turned into stop_polling, which ends it gracefully.
    """
    polling = asyncio.ensure_future(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=poll_seconds
        )
    )
    try:
        await asyncio.shield(polling)
    except asyncio.CancelledError:
        if not polling.done():
            await dispatcher.stop_polling()
            await polling
        raise


async def run_aiogram(
    core: Core, token: str, api_base: str, webhook: bool = False, polling: Intake | None = None
) -> None:
    """The bot on aiogram: updates in through the intake (polling or webhook, or `polling`
    already under way), the outbox out."""
    bot = make_bot(token, api_base)
    dispatcher = build_dispatcher(core.pipeline)
    sender = core.attach_sender(AiogramTransport(bot))
    intake = polling or Intake(core.runtime.uow_factory, bot.id)
    intake.attach(update_handler(dispatcher, bot))

    async def set_webhook(url: str, secret: str) -> None:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(HANDLED_KINDS))

    try:
        await set_default_commands(bot, command_menus(core.config.default_locale))
        loops = core.background_loops(sender)
        settings = core.runtime.settings
        loops.update(
            intake_loops(
                intake, settings, token, api_base, webhook, set_webhook, polling is not None
            )
        )
        await run_all(loops)
    finally:
        await bot.session.close()
