"""Shared test helpers for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

TOKEN = "123456:TEST-token"

# api("sendMessage", chat_id=..., text=...) -> (HTTP status, decoded JSON answer)
ApiCall = Callable[..., Awaitable[tuple[int, Any]]]
