"""The peer in bench/broadcast.py: python-telegram-bot's AIORateLimiter sending given messages,
all at once, in a process that imports nothing of Guanjia (so that its peak RSS is its own).

    python -m bench.ptb_peer BASE_URL TOKEN JOBS.json [--paid]

JOBS.json: [[chat_id, text], ...]. Prints one JSON line: wall seconds, failed sends, peak RSS.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def send_all(base_url: str, token: str, jobs: list[list], paid: bool) -> dict:
    # Its defaults (30 a second overall, 20 a minute per group), or 1000 a second for paid
    # broadcasts; it waits out a 429's retry_after and tries again.
    limiter = AIORateLimiter(overall_max_rate=1000 if paid else 30, max_retries=10)
    bot = ExtBot(
        token,
        base_url=f"{base_url}/bot",
        rate_limiter=limiter,
        request=HTTPXRequest(connection_pool_size=64, pool_timeout=120),
    )
    failed = 0
    errors: Counter[str] = Counter()

    async def send(chat_id: int, text: str) -> None:
        nonlocal failed
        try:
            await bot.send_message(chat_id, text, allow_paid_broadcast=paid or None)
        except Exception as exc:  # counted: the figure says how many, and what
            failed += 1
            errors[type(exc).__name__] += 1

    async with bot:
        began = time.monotonic()
        await asyncio.gather(*(send(chat_id, text) for chat_id, text in jobs))
        wall = time.monotonic() - began
        return {"wall": wall, "failed": failed, "errors": dict(errors), "rss": peak_rss_mb()}


def main() -> None:
    base_url, token, path = sys.argv[1:4]
    paid = "--paid" in sys.argv[4:]
    jobs = json.loads(Path(path).read_text(encoding="utf-8"))
    print(json.dumps(asyncio.run(send_all(base_url, token, jobs, paid))), flush=True)


if __name__ == "__main__":
    main()
