"""getUpdates with Telegram's offset, limit, timeout and allowed_updates semantics."""

from __future__ import annotations

import asyncio
import time

from tg_emulator import BotState, Emulator

from .helpers import ApiCall


async def _texts(api: ApiCall, **params: object) -> list[str]:
    status, body = await api("getUpdates", **params)
    assert status == 200, body
    return [u["message"]["text"] for u in body["result"] if "message" in u]


async def test_update_shape_and_offset_confirmation(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user(first_name="王", language_code="zh-hans", username="wang")
    await user.send_command("start", args="CODE42")
    await user.send_text("two")

    status, body = await api("getUpdates")
    assert status == 200 and body["ok"]
    first, second = body["result"]
    assert second["update_id"] == first["update_id"] + 1
    message = first["message"]
    assert message["text"] == "/start CODE42"
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert message["from"] == {
        "id": user.id,
        "is_bot": False,
        "first_name": "王",
        "username": "wang",
        "language_code": "zh-hans",
    }
    assert message["chat"] == {
        "id": user.id,
        "type": "private",
        "first_name": "王",
        "username": "wang",
    }
    assert isinstance(message["date"], int) and message["message_id"] == 1

    # Unconfirmed updates come again; an offset confirms everything below it.
    assert await _texts(api) == ["/start CODE42", "two"]
    assert await _texts(api, offset=second["update_id"]) == ["two"]
    assert await _texts(api, offset=second["update_id"] + 1) == []


async def test_negative_offset_and_limit(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    for index in range(5):
        await user.send_text(f"m{index}")
    assert await _texts(api, limit=2) == ["m0", "m1"]
    assert await _texts(api, offset=-2) == ["m3", "m4"]
    # The older ones were forgotten by the negative offset.
    assert await _texts(api) == ["m3", "m4"]
    status, body = await api("getUpdates", limit="1")
    assert status == 200 and len(body["result"]) == 1


async def test_long_poll_wakes_up_on_new_update(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    started = time.monotonic()
    poll = asyncio.create_task(_texts(api, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await user.send_text("wake up")
    assert await poll == ["wake up"]
    assert time.monotonic() - started < 2

    started = time.monotonic()
    _status, body = await api("getUpdates", offset=10**6, timeout=1)
    assert body["result"] == [] and 0.9 < time.monotonic() - started < 3


async def test_allowed_updates_is_remembered(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await api("getUpdates", allowed_updates=["callback_query"])
    await user.send_text("not delivered")
    _status, body = await api("getUpdates")
    assert body["result"] == []
    await api("getUpdates", allowed_updates=[])
    await user.send_text("delivered")
    assert await _texts(api) == ["delivered"]


async def test_second_poller_gets_conflict(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    status, body = await api("getUpdates")
    assert status == 200
    status, body = await first
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")


async def test_get_updates_while_webhook_set_is_409(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    status, _ = await api("setWebhook", url="http://127.0.0.1:9/hook")
    assert status == 200
    status, body = await api("getUpdates")
    assert status == 409
    assert body == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    }
    await api("deleteWebhook")
    status, _ = await api("getUpdates")
    assert status == 200


async def test_unknown_token_and_method(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    status, body = await api("getMe", token="999:nope")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    status, body = await api("sendTelepathy")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    status, body = await api("GETME")
    assert status == 200 and body["result"]["username"] == "guanjia_test_bot"
    assert body["result"]["is_bot"] is True and body["result"]["id"] == 123456


async def test_every_spec_method_answers(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    # No method may answer 404, or python-telegram-bot would report InvalidToken.
    for method in (
        "getMyName",
        "setMyDescription",
        "getStarTransactions",
        "getForumTopicIconStickers",
    ):
        status, body = await api(method)
        assert status != 404, (method, body)


async def test_form_query_and_empty_bodies(emulator: Emulator, bot: BotState, http: object) -> None:
    import aiohttp

    assert isinstance(http, aiohttp.ClientSession)
    user = emulator.create_user()
    await user.send_text("hi")
    base = f"{emulator.base_url}/bot{bot.token}"
    async with http.post(f"{base}/getMe") as response:
        assert (await response.json())["ok"]
    form = {
        "chat_id": str(user.id),
        "text": "form",
        "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
    }
    async with http.post(f"{base}/sendMessage", data=form) as response:
        body = await response.json()
        assert body["ok"], body
        assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"
    async with http.get(f"{base}/sendMessage", params={"chat_id": user.id, "text": "q"}) as r:
        assert (await r.json())["result"]["text"] == "q"
    payload = aiohttp.FormData()
    payload.add_field("chat_id", str(user.id))
    payload.add_field("document", b"hello", filename="hello.txt")
    async with http.post(f"{base}/sendDocument", data=payload) as response:
        body = await response.json()
        assert body["result"]["document"]["file_name"] == "hello.txt"
