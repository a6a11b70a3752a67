"""An unmodified aiogram 3 echo bot against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tg_emulator import BotState, Emulator


def build_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.photo)
    async def echo_photo(message: Message, bot: Bot) -> None:
        assert message.photo
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path
        data = await bot.download_file(file.file_path)
        assert data is not None
        await message.answer_photo(
            BufferedInputFile(data.read(), filename="echo.png"), caption="echo"
        )

    @dp.message(F.text)
    async def echo_text(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Like", callback_data="like")]]
        )
        await message.answer(message.text or "", reply_markup=keyboard)

    @dp.callback_query(F.data == "like")
    async def like(query: CallbackQuery) -> None:
        await query.answer("Thanks!")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"{query.message.text} ❤")

    return dp


@pytest.fixture
async def aiogram_bot(emulator: Emulator, bot: BotState) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    tg_bot = Bot(bot.token, session=session)
    dp = build_dispatcher()
    polling = asyncio.create_task(dp.start_polling(tg_bot, handle_signals=False, polling_timeout=1))
    yield tg_bot
    await dp.stop_polling()
    await polling


async def test_echo_button_and_photo(emulator: Emulator, aiogram_bot: Bot) -> None:
    user = emulator.create_user(first_name="王", language_code="zh-hans")

    await user.send_text("你好 👋")
    echo = await user.next_message()
    assert echo.text == "你好 👋"
    assert echo.buttons == [[{"text": "Like", "callback_data": "like"}]]

    answer = await user.press_button("Like")
    assert answer is not None and answer.text == "Thanks!"
    edited = await user.wait_edit(echo.message_id)
    assert edited.text == "你好 👋 ❤" and edited.edited and edited.buttons == []

    await user.send_photo(caption="look")
    photo = await user.next_message()
    assert photo.has_photo and photo.caption == "echo"
    assert emulator.violations == []
    assert emulator.stats()["calls"]["getFile"] == 1
