"""The standalone server that `guanjia sandbox` and `python -m tg_emulator` run."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys

import aiohttp
import pytest

from tg_emulator import serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_until_cancelled(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    ready = asyncio.Event()
    server = asyncio.create_task(serve("127.0.0.1", port, "42:SANDBOX", ready=ready))
    await asyncio.wait_for(ready.wait(), 5)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/bot42:SANDBOX/getMe") as response,
    ):
        assert (await response.json())["result"]["id"] == 42
    server.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await server
    printed = capsys.readouterr().out
    assert f"Bot API: http://127.0.0.1:{port}/bot42:SANDBOX/" in printed
    assert f"http://127.0.0.1:{port}/sandbox/" in printed


async def test_python_dash_m() -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tg_emulator",
        "--port",
        str(port),
        "--token",
        "7:CLI",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert line.decode().strip() == f"Bot API: http://127.0.0.1:{port}/bot7:CLI/"
    finally:
        process.terminate()
        await process.wait()
