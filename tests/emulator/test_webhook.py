"""Webhook delivery: secret header, ordering, retries with backoff, getWebhookInfo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tg_emulator import BotState, Emulator

from .helpers import ApiCall


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.fail_next = 0
        self.got = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        self.received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        self.got.set()
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


async def _wait_for(count: int, hook: Receiver, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while len(hook.received) < count:
            hook.got.clear()
            await hook.got.wait()


@pytest.mark.emulator(webhook_retry_initial=0.05, webhook_retry_max=0.2)
async def test_delivery_with_secret_and_retry(
    emulator: Emulator, bot: BotState, api: ApiCall, receiver: Receiver
) -> None:
    status, _ = await api("setWebhook", url=receiver.url, secret_token="s3cret-Token_1")
    assert status == 200
    user = emulator.create_user()
    receiver.fail_next = 2
    await user.send_text("first")
    await user.send_text("second")
    await _wait_for(2, receiver)
    (first, secret), (second, _) = receiver.received
    assert secret == "s3cret-Token_1"
    assert [first["message"]["text"], second["message"]["text"]] == ["first", "second"]
    assert second["update_id"] == first["update_id"] + 1

    status, body = await api("getWebhookInfo")
    info = body["result"]
    assert info["url"] == receiver.url and info["pending_update_count"] == 0
    assert info["has_custom_certificate"] is False
    assert "500" in info["last_error_message"] and info["last_error_date"] > 0


@pytest.mark.emulator(webhook_retry_initial=0.05, webhook_retry_max=0.1)
async def test_unreachable_webhook_keeps_updates_pending(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    await api("setWebhook", url="http://127.0.0.1:9/unreachable")
    user = emulator.create_user()
    await user.send_text("lost?")
    await asyncio.sleep(0.3)
    _, body = await api("getWebhookInfo")
    assert body["result"]["pending_update_count"] == 1
    assert body["result"]["last_error_message"].startswith("Connection failed")
    # After deleteWebhook the update is still there for getUpdates.
    await api("deleteWebhook")
    _, body = await api("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["lost?"]
    await api("deleteWebhook", drop_pending_updates=True)
    _status, body = await api("getWebhookInfo")
    assert body["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


async def test_webhook_reply_with_method_is_executed(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()

    async def reply(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    app = web.Application()
    app.router.add_post("/hook", reply)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await api("setWebhook", url=f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        await user.send_text("ping")
        assert (await user.next_message()).text == "pong"
    finally:
        await runner.cleanup()
