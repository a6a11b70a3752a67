"""Injected faults: 5xx and 429 answers, slow answers, dropped connections, time windows."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tg_emulator import BotState, Emulator

from .helpers import ApiCall


@pytest.mark.emulator(seed=7)
async def test_share_of_5xx(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    emulator.add_fault("5xx", share=0.5, methods=["getMe"], status=502)
    statuses = [(await api("getMe"))[0] for _ in range(40)]
    assert set(statuses) == {200, 502}
    assert 8 <= statuses.count(502) <= 32
    status, body = await api("getWebhookInfo")
    assert status == 200  # other methods are untouched
    assert emulator.stats()["faults"]["5xx"] == statuses.count(502)
    emulator.set_faults("5xx", status=503)
    status, body = await api("getWebhookInfo")
    assert status == 503 and body == {
        "ok": False,
        "error_code": 503,
        "description": "Service Unavailable",
    }


async def test_slow_answers(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    emulator.add_fault("slow", delay=0.3)
    started = time.monotonic()
    status, _ = await api("getMe")
    assert status == 200 and time.monotonic() - started >= 0.3


async def test_dropped_connections(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    emulator.add_fault("drop", methods=["sendMessage"])
    user = emulator.create_user()
    await user.send_text("hi")
    with pytest.raises(aiohttp.ClientError):
        await api("sendMessage", chat_id=user.id, text="lost")
    assert (await api("getMe"))[0] == 200
    emulator.clear_faults()
    assert (await api("sendMessage", chat_id=user.id, text="ok"))[0] == 200


async def test_time_window(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    emulator.add_fault("5xx", seconds=0.2)
    assert (await api("getMe"))[0] == 502
    await asyncio.sleep(0.25)
    assert (await api("getMe"))[0] == 200


async def test_a_fault_after_some_calls_and_only_so_many_times(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    emulator.add_fault("5xx", methods=["getMe"], after=2, times=1)
    statuses = [(await api("getMe"))[0] for _ in range(5)]
    assert statuses == [200, 200, 502, 200, 200]
    assert (await api("getWebhookInfo"))[0] == 200  # not counted: another method
    with pytest.raises(ValueError, match="times"):
        emulator.add_fault("5xx", times=0)


async def test_a_429_asks_to_wait(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    emulator.add_fault("429", methods=["sendMessage"], retry_after=3, times=1)
    user = emulator.create_user()
    await user.send_text("hi")
    status, body = await api("sendMessage", chat_id=user.id, text="later")
    assert status == 429 and body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert user.transcript()[-1].from_bot is False  # nothing was delivered
    assert emulator.stats()["too_many_requests"] == 1
    assert (await api("sendMessage", chat_id=user.id, text="now"))[0] == 200


@pytest.mark.emulator(seed=3)
async def test_slow_answers_take_a_random_time_in_a_range(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    rule = emulator.add_fault("slow", delay=0.05, delay_max=0.2)
    waits = [emulator.faults.delay_of(rule) for _ in range(50)]
    assert all(0.05 <= wait <= 0.2 for wait in waits) and len(set(waits)) == 50
    assert (await api("getMe"))[0] == 200
    with pytest.raises(ValueError, match="delay_max"):
        emulator.add_fault("slow", delay=1.0, delay_max=0.5)
