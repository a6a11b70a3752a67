"""A running bot in a box: the emulator, a database with the sample estate, the bot itself.

The demo, the end-to-end tests and the benchmarks all stand on this, so they exercise the real
front end through the real Bot API client against the emulator, never a shortcut.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels.aiogram_channel import run_aiogram
from bot.runtime.core import Core
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from core.clock import Clock
from core.crypto import new_key
from core.enums import Relation
from core.models import Base
from core.services import directory, importer, invitations
from tg_emulator import Emulator, SimUser

SAMPLE_ESTATE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
TOKEN = "123456:GUANJIA-sandbox"
BOT_USERNAME = "guanjia_demo_bot"


@dataclass
class World:
    emulator: Emulator
    runtime: Runtime
    core: Core
    clock: Clock
    framework: str
    webhook: bool = False  # updates POSTed by the emulator to the bot's own server
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start_bot(self) -> None:
        base = self.emulator.base_url
        if self.framework == "inprocess":
            from sandbox.inprocess import run_inprocess

            runner = run_inprocess(self.core, self.emulator, TOKEN)
        elif self.framework == "ptb":
            from bot.channels.ptb_channel import run_ptb

            runner = run_ptb(self.core, TOKEN, base, webhook=self.webhook)
        else:
            runner = run_aiogram(self.core, TOKEN, base, webhook=self.webhook)
        self.tasks.append(asyncio.create_task(runner, name="bot"))

    async def stop_bot(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()

    async def started(self, seconds: float = 10) -> None:
        """Until the bot has made its start: the scheduler's catch-up done (this morning's
        digest, under a test's clock), so that nothing of the start comes mid-conversation."""
        for _ in range(int(seconds / 0.02)):
            scheduler = self.core.scheduler
            if scheduler is not None and scheduler.started.is_set():
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the bot did not start")

    async def restart_bot(self) -> None:
        """Stops the bot and starts a new one on the same database: nothing in memory survives."""
        await self.stop_bot()
        self.core = Core.build(self.runtime)
        self.start_bot()
        await self.started()

    @property
    def uow(self):
        return self.runtime.uow_factory()

    async def invitation(
        self, building: str, unit: str, relation: Relation = Relation.OWNER, estate: str = "BX"
    ) -> str:
        async with self.uow as uow:
            found = await directory.require_estate(uow, estate)
            unit_view = await directory.find_unit(uow, found.id, building, unit)
            assert unit_view is not None, f"no unit {building} {unit} in {estate}"
            [created] = await invitations.create_unit_invitations(uow, [unit_view.id], relation)
            await uow.commit()
        return created.code

    async def staff_member(self, phone: str, language_code: str = "zh-hans") -> SimUser:
        """A staff member of the sample estate (by phone) linked through their /start code."""
        async with self.uow as uow:
            estate = await directory.require_estate(uow, "BX")
            person_id = await directory.staff_person(uow, estate.id, phone)
            code = await invitations.create_staff_invitation(uow, person_id, estate.id)
            await uow.commit()
        user = self.emulator.create_user(first_name="Staff", language_code=language_code)
        await user.send_command("start", args=code)
        await user.next_message()
        return user

    async def resident(
        self,
        first_name: str = "Resident",
        language_code: str = "zh-hans",
        building: str = "1栋",
        unit: str = "101",
    ) -> SimUser:
        """A person bound to a unit through an invitation link, the welcome already read."""
        code = await self.invitation(building, unit)
        user = self.emulator.create_user(first_name=first_name, language_code=language_code)
        await user.send_command("start", args=code)
        await user.next_message()
        return user


WEBHOOK_SECRET = "guanjia-world-secret"


def _webhook_settings() -> dict[str, object]:
    port = _free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}/webhook",
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_host": "127.0.0.1",
        "webhook_port": port,
    }


def _free_port() -> int:
    # Both front ends need the port before they listen: the URL they register names it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def prepare_database(runtime: Runtime) -> None:
    # The schema straight from the models: tests/test_migrations.py proves the migrations
    # build the same one, and this is several times faster per test.
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with runtime.uow_factory() as uow:
        await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
        await uow.commit()


@contextlib.asynccontextmanager
async def running_world(
    database_url: str,
    clock: Clock | None = None,
    framework: str = "aiogram",
    emulator: Emulator | None = None,
    paced: bool = False,
    webhook: bool = False,
) -> AsyncIterator[World]:
    """`paced`: keep Telegram's per-chat pace (a simulated person taps far faster than a real
    one, so conversation tests run unpaced against an emulator without limits).
    `webhook`: the bot serves a webhook on a free local port behind a secret token, and the
    emulator POSTs updates to it, instead of the bot polling."""
    own_emulator = emulator is None
    emulator = emulator or Emulator(rate_limits=paced)
    if own_emulator:
        await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    settings = Settings(
        database_url=database_url,
        bot_token=TOKEN,
        bot_username=BOT_USERNAME,
        api_base=emulator.base_url,
        framework="aiogram" if framework == "inprocess" else framework,  # type: ignore[arg-type]
        polling_timeout=1,  # so that stopping the bot takes a second, not ten
        **(_webhook_settings() if webhook else {}),
        # Simulated people tap far faster than anyone: unpaced, nobody is slowed as a flood.
        **(
            {}
            if paced
            else {"private_chat_burst": 1000, "group_per_minute": 1000, "flood_burst": 10**6}
        ),
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = build_runtime(settings, clock=clock or Clock(), key=new_key())
    world = World(
        emulator, runtime, Core.build(runtime), runtime.uow_factory.clock, framework, webhook
    )
    try:
        await prepare_database(runtime)
        world.start_bot()
        await world.started()
        yield world
    finally:
        await world.stop_bot()
        await runtime.close()
        if own_emulator:
            await emulator.stop()
