"""The JSON control API used by outside tools."""

from __future__ import annotations

import asyncio

import aiohttp

from tg_emulator import BotState, Emulator

from .helpers import ApiCall


async def test_control_api_routes(
    emulator: Emulator, bot: BotState, api: ApiCall, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.base_url}/sandbox"

    async def post(path: str, body: object) -> tuple[int, object]:
        async with http.post(base + path, json=body) as response:
            return response.status, await response.json()

    status, created = await post("/users", {"first_name": "李", "language_code": "zh-hans"})
    assert status == 200
    assert isinstance(created, dict) and created["id"] == created["chat_id"]
    user_id = created["id"]

    assert (await post(f"/users/{user_id}/send", {"text": "你好"}))[1] == {"message_id": 1}
    assert (await post(f"/users/{user_id}/send", {"photo": True, "caption": "c"}))[1] == {
        "message_id": 2
    }
    for body in (
        {"document": {"file_name": "a.pdf"}},
        {"contact": {"phone_number": "+100"}},
        {"location": {"latitude": 31.2, "longitude": 121.5}},
    ):
        status, answer = await post(f"/users/{user_id}/send", body)
        assert status == 200, answer

    _, updates = await api("getUpdates")
    assert len(updates["result"]) == 5
    await api("getUpdates", offset=updates["result"][-1]["update_id"] + 1)
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    status, body = await api("sendMessage", chat_id=user_id, text="ok?", reply_markup=keyboard)
    message_id = body["result"]["message_id"]

    async def bot_answers() -> None:
        _, updates = await api("getUpdates", timeout=2)
        query = updates["result"][-1]["callback_query"]
        await api("answerCallbackQuery", callback_query_id=query["id"], text="noted")

    answering = asyncio.create_task(bot_answers())
    await asyncio.sleep(0.05)
    status, pressed = await post(
        f"/users/{user_id}/press", {"message_id": message_id, "callback_data": "yes"}
    )
    await answering
    assert status == 200 and isinstance(pressed, dict)
    assert pressed["ok"] is True and pressed["answer"]["text"] == "noted"
    status, pressed = await post(f"/users/{user_id}/press", {"button_text": "Yes", "timeout": 0.1})
    assert status == 200 and pressed == {"ok": True, "answer": None}

    async with http.get(f"{base}/chats/{user_id}/messages") as response:
        transcript = await response.json()
    assert transcript[0] == {
        "message_id": 1,
        "from_bot": False,
        "text": "你好",
        "has_photo": False,
        "buttons": [],
        "edited": False,
        "deleted": False,
        "date": transcript[0]["date"],
    }
    assert transcript[1]["has_photo"] and transcript[1]["caption"] == "c"
    assert transcript[-1]["buttons"] == [[{"text": "Yes", "callback_data": "yes"}]]

    assert (await post(f"/users/{user_id}/block", {}))[1] == {"ok": True}
    status, body = await api("sendMessage", chat_id=user_id, text="x")
    assert status == 403
    assert (await post(f"/users/{user_id}/unblock", {}))[1] == {"ok": True}

    status, group = await post("/groups", {"title": "Ops", "members": [user_id]})
    assert status == 200 and isinstance(group, dict) and group["chat_id"] < 0

    status, _fault = await post("/faults", {"kind": "5xx", "share": 1.0, "methods": ["getMe"]})
    assert status == 200
    assert (await api("getMe"))[0] == 502
    async with http.delete(f"{base}/faults") as response:
        assert await response.json() == {"ok": True}
    assert (await api("getMe"))[0] == 200

    async with http.get(f"{base}/stats") as response:
        stats = await response.json()
    assert stats["calls"]["sendMessage"] == 2 and stats["calls"]["getMe"] == 2
    assert stats["too_many_requests"] == 0 and stats["violations"] == []


async def test_control_api_errors(
    emulator: Emulator, bot: BotState, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.base_url}/sandbox"
    cases = [
        ("/users", {}, 400),
        ("/users/999/send", {"text": "x"}, 404),
        ("/users/abc/send", {"text": "x"}, 400),
        ("/faults", {"kind": "meteor"}, 400),
        ("/faults", {"kind": "5xx", "share": 2}, 400),
    ]
    for path, body, expected in cases:
        async with http.post(base + path, json=body) as response:
            assert response.status == expected, path
            assert "error" in await response.json()
    user = emulator.create_user()
    async with http.post(f"{base}/users/{user.id}/send", json={"sing": True}) as response:
        assert response.status == 400
    async with http.post(f"{base}/users/{user.id}/press", json={"button_text": "x"}) as response:
        assert response.status == 400
    async with http.get(f"{base}/chats/-5/messages") as response:
        assert response.status == 404
