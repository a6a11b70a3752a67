"""SIGTERM stops a `guanjia` command cleanly (bot.runtime.loop): its clean-up runs, as on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import asyncio, sys
from bot.runtime.loop import run_event_loop

async def main():
    try:
        print("started", flush=True)
        await asyncio.Event().wait()
    finally:
        await asyncio.sleep(0.05)  # clean-up that awaits, as the outbox sender's does
        print("cleaned up", flush=True)

run_event_loop(main())
"""


def test_sigterm_cancels_the_program_and_lets_it_clean_up() -> None:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    with subprocess.Popen(
        [sys.executable, "-c", PROGRAM], stdout=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "started"
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    assert rest.strip() == "cleaned up"
    assert process.returncode == 0
