"""Conversation tests: every dialog and side path, through the real pipeline, routers, outbox,
sender and scheduler, against the emulator, in-process (sandbox/inprocess.py): no HTTP and no
client library, so a step costs milliseconds. Both databases and both scripts, as everywhere;
what the two Telegram front ends do differently is proved in tests/e2e."""

from __future__ import annotations

import pytest


@pytest.fixture
def framework() -> str:
    return "inprocess"
