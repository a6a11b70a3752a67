"""The python-telegram-bot 22 front end: updates in, outbox items out. The mirror of
bot.channels.aiogram_channel, as thin.

One `TypeHandler(Update, ...)` hands every update to the neutral `Pipeline.process`, which
de-duplicates, opens the unit of work, knows the person and their language, runs the neutral
role routers in their fixed order and answers politely when something fails. One PTB handler
group per role router was the alternative, but in PTB every group sees every update (a match
stops the next group only by raising `ApplicationHandlerStop`), and an exception in a handler
goes to the error handlers, far from the unit of work that must roll back: the groups would
only re-implement, less clearly, what Pipeline.route already does in order.

Updates come in through bot.channels.telegram_intake (polling or webhook), which acknowledges
each only once it is recorded, and reach the application by `update_handler`: PTB's own Updater,
which acknowledges an update as soon as it holds it, is not used.

Updates of different chats are handled concurrently, those of one chat one after the other in
the order Telegram sent them (`PerChatUpdateProcessor`, bot.channels.chat_order): a person's
quick taps and the photos of an album never race each other over the dialog they belong to.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels import delivery_plan
from bot.channels.chat_order import ChatTurns
from bot.channels.telegram_intake import Handle, Intake, intake_loops
from bot.channels.telegram_update import HANDLED_KINDS, to_inbound
from bot.runtime.core import Core
from bot.runtime.pipeline import Pipeline
from bot.runtime.sender import Delivery
from bot.runtime.supervisor import run_all
from bot.views.commands import default_menus as command_menus
from core.enums import UploadKind
from core.services.outbox import OutboxItem, OutgoingFile

# PTB 22 is moving time periods (RetryAfter.retry_after, ...) from int seconds to timedelta and,
# until one opts in, warns each time one is read, PTB's own code included: every 429 would warn.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
# PTB's own default. An update holds its slot while it waits for its chat's turn, so one chat
# flooding more than this many updates at once would hold up the others until it is through.
MAX_CONCURRENT_UPDATES = 256


# ------------------------------------------------------------------------------ updates in


def pipeline_handler(pipeline: Pipeline) -> TypeHandler[Update, Any]:
    """The one handler: every update through the neutral pipeline, every press answered."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        inbound = to_inbound(update, bot.id, pipeline.wall_clock.now())
        if inbound is None:
            return
        handled = await pipeline.process(inbound)
        if inbound.callback_id is not None:
            await answer_button(bot, inbound.callback_id, handled.toast, handled.alert)

    return TypeHandler(Update, handle)


def update_handler(application: Application[Any, ...]) -> Handle:
    """An update as Telegram sent it (from the intake) through the application's update
    processor (one chat's updates in order) and its handlers."""

    async def handle(raw: dict[str, Any]) -> None:
        update = Update.de_json(raw, application.bot)
        await application.update_processor.process_update(
            update, application.process_update(update)
        )

    return handle


async def answer_button(bot: Bot, callback_id: str, toast: str | None, alert: bool = False) -> None:
    """Every press is answered, or the person's client shows a spinner for a long while."""
    try:
        await bot.answer_callback_query(
            callback_id, text=toast[:200] if toast else None, show_alert=alert or None
        )
    except TelegramError as exc:  # too old, or the network: the press was handled all the same
        log.info("could not answer callback %s: %s", callback_id, exc)


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What escaped the pipeline (answering a press over a broken network, say)."""
    # The update's id, never the update: its text, names and phone numbers stay out of the logs.
    update_id = getattr(update, "update_id", None)
    log.error("error while handling update %s", update_id, exc_info=context.error)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat (bot.channels.chat_order)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.turns = ChatTurns()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self.turns.turn(chat.id):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def build_application(pipeline: Pipeline, token: str, api_base: str) -> Application[Any, ...]:
    base = api_base.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")  # PTB appends the token
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor())
        .job_queue(None)  # background work runs in the bot's own supervised loops
        .updater(None)  # updates come in through bot.channels.telegram_intake
        .build()
    )
    application.add_handler(pipeline_handler(pipeline))
    application.add_error_handler(log_error)
    return application


# ---------------------------------------------------------------------------- outbox out


def _markup(payload: dict[str, Any] | None) -> Any:
    if payload is None:
        return None
    if payload.get("buttons"):
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(b["text"], url=b["url"])
                    if "url" in b
                    else InlineKeyboardButton(b["text"], callback_data=b["data"])
                    for b in row
                ]
                for row in payload["buttons"]
            ]
        )
    if payload.get("keyboard"):
        return ReplyKeyboardMarkup(
            [
                [KeyboardButton(k["text"], request_contact=k["contact"] or None) for k in row]
                for row in payload["keyboard"]
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if payload.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return None


def _paid(paid: bool) -> dict[str, Any]:
    return {"allow_paid_broadcast": True} if paid else {}


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds, whether PTB gives a timedelta (opted in above) or, before, an int that warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PtbTransport:
    """The Bot API calls of bot.channels.delivery_plan, made with python-telegram-bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, item: OutboxItem) -> Delivery:
        return await delivery_plan.deliver(self, item)

    def refusal(self, exc: Exception) -> Delivery | None:
        if isinstance(exc, RetryAfter):
            return Delivery(retry_after=retry_after_seconds(exc))
        if isinstance(exc, Forbidden):
            return Delivery(blocked=True)
        if isinstance(exc, BadRequest):
            if "message is not modified" in exc.message.lower():
                return Delivery()
            return Delivery(error=exc.message, permanent=True)
        if isinstance(exc, NetworkError):  # TimedOut included; PTB reports 5xx as NetworkError
            return Delivery(error=str(exc))
        if isinstance(exc, TelegramError):  # e.g. a Conflict or an InvalidToken: try later
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
        media = [InputMediaPhoto(photo) for photo in photos]
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
        upload = InputFile(file.content, filename=file.filename)
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
            text,
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=keyboard if isinstance(keyboard, InlineKeyboardMarkup) else None,
        )

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self.bot.delete_message(chat_id, message_id)

    async def set_commands(self, chat_id: int, commands: list[tuple[str, str]]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(c, d) for c, d in commands], scope=BotCommandScopeChat(chat_id)
        )


async def set_default_commands(bot: Bot, commands: dict[str, list[tuple[str, str]]]) -> None:
    """The menu for people we have not met (see the aiogram adapter's twin for the scripts)."""
    for language_code, items in commands.items():
        await bot.set_my_commands(
            [BotCommand(c, d) for c, d in items],
            scope=BotCommandScopeDefault(),
            language_code=language_code or None,
        )


# ------------------------------------------------------------------------------- running


async def run_ptb(
    core: Core, token: str, api_base: str, webhook: bool = False, polling: Intake | None = None
) -> None:
    """The bot on python-telegram-bot: updates in (polling or webhook, or `polling` already
    under way), the outbox out."""
    settings = core.runtime.settings
    application = build_application(core.pipeline, token, api_base)
    async with application:  # initialize (getMe) ... shutdown (HTTP clients closed)
        bot = application.bot
        sender = core.attach_sender(PtbTransport(bot))
        await set_default_commands(bot, command_menus(core.config.default_locale))
        intake = polling or Intake(core.runtime.uow_factory, bot.id)
        intake.attach(update_handler(application))
        loops = core.background_loops(sender)

        async def set_webhook(url: str, secret: str) -> None:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=list(HANDLED_KINDS))

        loops.update(
            intake_loops(
                intake, settings, token, api_base, webhook, set_webhook, polling is not None
            )
        )
        await run_all(loops)
