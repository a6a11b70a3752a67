"""pytest fixtures: ``emulator`` is a started Emulator on a random port, stopped after.

Use ``@pytest.mark.emulator(rate_limits=False, ...)`` to pass constructor arguments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .emulator import Emulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator(**kwargs): constructor arguments for the emulator fixture"
    )


@pytest.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    marker = request.node.get_closest_marker("emulator")
    emu = Emulator(**(marker.kwargs if marker else {}))
    await emu.start(port=0)
    try:
        yield emu
    finally:
        await emu.stop()
