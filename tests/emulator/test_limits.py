"""Flood limits answered with 429 and retry_after, and blocked users answered with 403."""

from __future__ import annotations

import pytest

from tg_emulator import BotState, Emulator, RateLimits

from .helpers import ApiCall


async def test_private_chat_burst_then_429(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    statuses = []
    for index in range(6):
        status, body = await api("sendMessage", chat_id=user.id, text=f"n{index}")
        statuses.append(status)
    assert statuses[:4] == [200] * 4 and statuses[4] == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    # Edits and callback answers are not flood-limited.
    status, _ = await api("editMessageText", chat_id=user.id, message_id=2, text="edited")
    assert status == 200
    assert emulator.stats()["too_many_requests"] == 2


async def test_group_twenty_per_minute(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    group = emulator.create_group("工程组", [user])
    for index in range(20):
        status, body = await api("sendMessage", chat_id=group.id, text=str(index))
        assert status == 200, body
    status, body = await api("sendMessage", chat_id=group.id, text="21st")
    assert status == 429 and body["parameters"]["retry_after"] >= 2


@pytest.mark.emulator(rate_limits=RateLimits(private_chat_burst=12))
async def test_bot_thirty_per_second_and_paid_broadcast(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    users = [emulator.create_user() for _ in range(8)]
    for user in users:
        await user.send_text("hi")
    statuses = []
    for index in range(40):
        status, _ = await api("sendMessage", chat_id=users[index % 8].id, text="news")
        statuses.append(status)
    # The bucket refills at 30/s while we send, so only the first 30 are certain.
    assert statuses[:30] == [200] * 30 and 429 in statuses[30:]
    for index in range(16):
        status, body = await api(
            "sendMessage", chat_id=users[index % 8].id, text="paid", allow_paid_broadcast=True
        )
        assert status == 200, body


@pytest.mark.emulator(rate_limits=False)
async def test_limits_can_be_switched_off(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    for _ in range(50):
        status, _ = await api("sendMessage", chat_id=user.id, text="spam")
        assert status == 200


async def test_blocked_user_is_403(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    emulator.block(user)
    status, body = await api("sendMessage", chat_id=user.id, text="still there?")
    assert status == 403
    assert body["description"] == "Forbidden: bot was blocked by the user"
    status, body = await api("getUpdates")
    kinds = [next(k for k in u if k != "update_id") for u in body["result"]]
    assert kinds == ["message", "my_chat_member"]
    assert body["result"][1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    emulator.unblock(user)
    status, _ = await api("sendMessage", chat_id=user.id, text="welcome back")
    assert status == 200


async def test_bot_cannot_start_a_conversation(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    stranger = emulator.create_user()
    status, body = await api("sendMessage", chat_id=stranger.id, text="hello?")
    assert status == 403 and "can't initiate conversation" in body["description"]
    status, body = await api("sendMessage", chat_id=42, text="nobody")
    assert status == 400 and body["description"] == "Bad Request: chat not found"
