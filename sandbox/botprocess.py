"""The real bot (`guanjia run`) in a process of its own, against the emulator: to be killed.

The crash harness (sandbox/crashing.py) kills it with SIGKILL, as the kernel's out-of-memory
killer or a power loss would: no `finally`, no clean stop, and starts a new one on the same
database. Settings travel as environment variables, as in production; its log goes to a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


class BotProcess:
    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.environment = environment
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.started = 0
        self.killed = 0

    async def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GUANJIA_", "BOT_"))},
            "PYTHONPATH": str(REPOSITORY),  # this checkout, whatever the venv points at
            **self.environment,
        }
        with self.log.open("ab") as log:
            log.write(f"--- start {self.started + 1}\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                "from bot.cli.main import main; main()",
                "run",
                env=env,
                cwd=self.log.parent,  # no .env of the checkout's
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.started += 1

    async def kill(self) -> None:
        """SIGKILL: the process ends between two instructions, whatever it was doing."""
        process = self.process
        if process is None or process.returncode is not None:
            raise RuntimeError(f"the bot is not running (exit {process and process.returncode})")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        self.killed += 1

    async def stop(self) -> int | None:
        """SIGTERM, as a service manager stops it; its exit code."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        return process.returncode

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None
