"""An unmodified python-telegram-bot 22 echo bot against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from tg_emulator import BotState, Emulator


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message and update.message.text
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Like", callback_data="like")]])
    await update.message.reply_text(update.message.text, reply_markup=keyboard)


async def echo_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message
    file = await update.message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_photo(bytes(data), caption="echo")


async def like(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query and query.message
    await query.answer("Thanks!")
    await query.edit_message_text(f"{query.message.text} ❤")


@pytest.fixture
async def ptb_app(emulator: Emulator, bot: BotState) -> AsyncIterator[Application]:
    app = (
        Application.builder()
        .token(bot.token)
        .base_url(f"{emulator.base_url}/bot")
        .base_file_url(f"{emulator.base_url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.PHOTO, echo_photo))
    app.add_handler(MessageHandler(filters.TEXT, echo_text))
    app.add_handler(CallbackQueryHandler(like, pattern="^like$"))
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_echo_button_and_photo(emulator: Emulator, ptb_app: Application) -> None:
    user = emulator.create_user(first_name="Ann", language_code="en")

    await user.send_text("hello")
    echo = await user.next_message()
    assert echo.text == "hello"
    assert echo.buttons == [[{"text": "Like", "callback_data": "like"}]]

    answer = await user.press(echo.message_id, "like")
    assert answer is not None and answer.text == "Thanks!"
    edited = await user.wait_edit(echo.message_id)
    assert edited.text == "hello ❤" and edited.edited

    await user.send_photo()
    photo = await user.next_message()
    assert photo.has_photo and photo.caption == "echo"
    assert len(photo.photos) >= 2
    assert emulator.violations == []
    assert emulator.stats()["errors"] == 0
