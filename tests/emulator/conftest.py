"""Fixtures for the emulator's own tests: a registered bot and a raw Bot API client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tg_emulator import BotState, Emulator

# Plugins only load from the root conftest, so take the fixture and the marker directly.
from tg_emulator.pytest_plugin import emulator, pytest_configure  # noqa: F401

from .helpers import TOKEN, ApiCall


@pytest.fixture
def bot(emulator: Emulator) -> BotState:  # noqa: F811
    return emulator.add_bot(TOKEN, username="guanjia_test_bot", first_name="管家")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(emulator: Emulator, bot: BotState, http: aiohttp.ClientSession) -> ApiCall:  # noqa: F811
    """Call a Bot API method with a JSON body; returns (HTTP status, decoded answer)."""

    async def call(method: str, token: str | None = None, **params: Any) -> tuple[int, Any]:
        url = f"{emulator.base_url}/bot{token or bot.token}/{method}"
        async with http.post(url, json=params) as response:
            return response.status, await response.json()

    return call
