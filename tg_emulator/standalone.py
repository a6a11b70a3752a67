"""Running the emulator as a standalone server (``python -m tg_emulator``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .emulator import Emulator
from .limits import RateLimits

DEFAULT_TOKEN = "123456:TEST-sandbox-token"


async def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = DEFAULT_TOKEN,
    *,
    username: str | None = None,
    first_name: str = "Sandbox Bot",
    rate_limits: RateLimits | bool = True,
    extra_tokens: list[str] | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the emulator until cancelled; print where the Bot API and control API live."""
    emulator = Emulator(rate_limits=rate_limits)
    emulator.add_bot(token, username=username, first_name=first_name)
    for extra in extra_tokens or []:
        emulator.add_bot(extra)
    await emulator.start(port=port, host=host)
    try:
        print(f"Bot API: {emulator.base_url}/bot{token}/", flush=True)
        print(f"Control API: {emulator.base_url}/sandbox/", flush=True)
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tg_emulator", description="A local Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default=None)
    parser.add_argument("--no-limits", action="store_true", help="answer no 429s")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                args.host,
                args.port,
                args.token,
                username=args.username,
                rate_limits=not args.no_limits,
            )
        )
