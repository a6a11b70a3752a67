"""Requests that break the Bot API rules are answered 400 and recorded as violations."""

from __future__ import annotations

from typing import Any

import pytest

from tg_emulator import BotState, Emulator

from .helpers import ApiCall


def _keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "no chat"}, "Bad Request: chat_id is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "   "}, "Bad Request: message text is empty"),
        (
            {"text": "hi", "reply_markup": _keyboard({"text": "a", "callback_data": "é" * 33})},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"text": "hi", "reply_markup": _keyboard({"text": "only text"})},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in "
            "the inline keyboard",
        ),
        (
            {"text": "hi", "reply_markup": {"inline_keyboard": [{"text": "a", "url": "x"}]}},
            None,
        ),
        (
            {
                "text": "hi",
                "reply_markup": _keyboard({"text": "a", "callback_data": "b", "url": "http://x"}),
            },
            None,
        ),
        ({"text": {"not": "a string"}}, "Bad Request: text must be of type String"),
        ({"text": "hi", "disable_notification": "maybe"}, None),
        ({"text": "hi", "reply_parameters": {"chat_id": 1}}, None),
    ],
)
async def test_violations_are_400_and_recorded(
    emulator: Emulator,
    bot: BotState,
    api: ApiCall,
    params: dict[str, Any],
    description: str | None,
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    if "text" in params and "chat_id" not in params and params != {"text": "no chat"}:
        params = {"chat_id": user.id, **params}
    status, body = await api("sendMessage", **params)
    assert status == 400, body
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: ")
    if description:
        assert body["description"] == description
    (violation,) = emulator.violations
    assert violation["method"] == "sendMessage"
    assert violation["description"] == body["description"]


async def test_text_length_counts_utf16_units(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    # 2048 emoji are 4096 UTF-16 code units: the maximum; one more character is too long.
    status, _ = await api("sendMessage", chat_id=user.id, text="😀" * 2048)
    assert status == 200
    status, _ = await api("sendMessage", chat_id=user.id, text="😀" * 2048 + "a")
    assert status == 400
    status, body = await api(
        "sendMessage", chat_id=user.id, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
    )
    assert status == 200 and body["result"]["entities"] == [
        {"type": "bold", "offset": 0, "length": 4096}
    ]
    assert body["result"]["text"] == "x" * 4096


async def test_callback_data_limit_is_in_bytes(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    ok = _keyboard({"text": "a", "callback_data": "x" * 64})
    status, _ = await api("sendMessage", chat_id=user.id, text="ok", reply_markup=ok)
    assert status == 200
    too_long = _keyboard({"text": "a", "callback_data": "x" * 65})
    status, _ = await api("sendMessage", chat_id=user.id, text="no", reply_markup=too_long)
    assert status == 400


async def test_reply_keyboard_must_be_rows(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    flat = {"keyboard": [{"text": "a"}]}
    status, _ = await api("sendMessage", chat_id=user.id, text="x", reply_markup=flat)
    assert status == 400
    rows = {"keyboard": [[{"text": "Share phone", "request_contact": True}]]}
    status, _ = await api("sendMessage", chat_id=user.id, text="x", reply_markup=rows)
    assert status == 200
    message = user.transcript()[-1]
    assert message.reply_keyboard == [[{"text": "Share phone", "request_contact": True}]]
    assert len(emulator.violations) == 1


async def test_unknown_fields_are_ignored_and_strings_coerced(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    status, body = await api(
        "sendMessage",
        chat_id=str(user.id),
        text="x",
        no_such_field=1,
        disable_notification="true",
    )
    assert status == 200, body
    status, body = await api("deleteMessage", chat_id=user.id, message_id="abc")
    assert status == 400 and "Integer" in body["description"]


async def test_callback_answers(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    keyboard = _keyboard({"text": "Go", "callback_data": "go"})
    status, body = await api("sendMessage", chat_id=user.id, text="menu", reply_markup=keyboard)
    message_id = body["result"]["message_id"]
    press = user.press(message_id, "go", timeout=2)

    import asyncio

    pressing = asyncio.create_task(press)
    status, body = await api("getUpdates", timeout=2)
    query = body["result"][-1]["callback_query"]
    assert query["data"] == "go" and query["message"]["message_id"] == message_id
    assert query["from"]["id"] == user.id and query["chat_instance"]
    status, body = await api("answerCallbackQuery", callback_query_id=query["id"], text="y" * 201)
    assert status == 400
    status, _ = await api("answerCallbackQuery", callback_query_id=query["id"], text="ok")
    assert status == 200
    answer = await pressing
    assert answer is not None and answer.text == "ok"
    status, body = await api("answerCallbackQuery", callback_query_id=query["id"])
    assert status == 400
    assert body["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    with pytest.raises(LookupError):
        await user.press(message_id, "nope")


async def test_set_my_commands_rules(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    good = [{"command": "start", "description": "Start"}]
    for bad in (
        [{"command": "Start", "description": "x"}],
        [{"command": "a" * 33, "description": "x"}],
        [{"command": "ok", "description": ""}],
        [{"command": f"c{i}", "description": "x"} for i in range(101)],
    ):
        status, _ = await api("setMyCommands", commands=bad)
        assert status == 400
    status, _ = await api("setMyCommands", commands=good, language_code="zh-hans")
    assert status == 400
    status, _ = await api("setMyCommands", commands=good, language_code="zh")
    assert status == 200
    assert len(emulator.violations) == 5
