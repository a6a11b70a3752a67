"""A crowd of bound residents and one notice to all of them, for the broadcast tests and the
benchmark (bench/broadcast.py): emulator users, people, verified homes and chat identities
written in bulk, then the notice's messages written to the outbox as `guanjia notice send` does.
Also the real bot as a process of its own (`guanjia run`), to be killed and started again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from bot.views import notices as notice_views
from core.crypto import new_key
from core.enums import BindingStatus, Relation
from core.models import Building, ChatIdentity, Person, Unit, UnitBinding
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind
from core.uow import UnitOfWork, UnitOfWorkFactory
from sandbox.world import BOT_USERNAME, TOKEN, prepare_database
from tg_emulator import Emulator, SimUser

CHUNK = 1000
ROOT = Path(__file__).resolve().parent.parent


async def seed_residents(
    uow: UnitOfWork, emulator: Emulator, count: int, estate_code: str = "BX"
) -> list[SimUser]:
    """`count` residents of the estate (spread over its units), each with a chat; the caller
    commits. Half read Simplified, half Traditional. No names or phones: none are needed."""
    estate = await directory.require_estate(uow, estate_code)
    unit_ids = list(
        await uow.session.scalars(
            select(Unit.id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id == estate.id)
            .order_by(Unit.id)
        )
    )
    users = [
        emulator.create_user(first_name="住户", language_code="zh-hant" if n % 2 else "zh-hans")
        for n in range(count)
    ]
    now = uow.clock.now()
    for start in range(0, count, CHUNK):
        chunk = users[start : start + CHUNK]
        person_ids = list(
            await uow.session.scalars(
                insert(Person).returning(Person.id), [{"created_at": now} for _ in chunk]
            )
        )
        await uow.session.execute(
            insert(UnitBinding),
            [
                {
                    "person_id": person_id,
                    "unit_id": unit_ids[(start + n) % len(unit_ids)],
                    "relation": Relation.OWNER,
                    "status": BindingStatus.VERIFIED,
                    "created_at": now,
                    "decided_at": now,
                }
                for n, person_id in enumerate(person_ids)
            ],
        )
        await uow.session.execute(
            insert(ChatIdentity),
            [
                {
                    "platform": "telegram",
                    "user_id": user.id,
                    "chat_id": user.id,
                    "person_id": person_id,
                    "language_code": user.language_code,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for user, person_id in zip(chunk, person_ids, strict=True)
            ],
        )
    return users


async def notice_to_estate(
    uow_factory: UnitOfWorkFactory, text: str, estate_code: str = "BX", paid: bool = False
) -> tuple[int, int]:
    """An event notice to the whole estate, sent now: (its id, the messages written)."""
    async with uow_factory() as uow:
        estate = await directory.require_estate(uow, estate_code)
        notice = await notices.create(
            uow, NewNotice(estate.id, NoticeKind.EVENT, text, audience=Audience())
        )
        await notices.schedule(uow, notice.id)
        await uow.commit()
    written = await notices.advance(uow_factory, notice_views.render, paid_broadcast=paid)
    return notice.id, written


def bot_environment(
    database_url: str, data_key: str, token: str, username: str, **extra: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_KEY": data_key,
        "BOT_TOKEN": token,
        "BOT_USERNAME": username,
        "POLLING_TIMEOUT": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


async def start_bot_process(
    api_base: str, env: dict[str, str], framework: str = "aiogram", log: Path | None = None
) -> asyncio.subprocess.Process:
    """`guanjia run` against `api_base`, in a process of its own."""
    output = log.open("ab") if log is not None else asyncio.subprocess.DEVNULL
    try:
        return await _exec(api_base, env, framework, output)
    finally:
        if log is not None:
            output.close()  # the child has its own copy


async def _exec(
    api_base: str, env: dict[str, str], framework: str, output: object
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli.main import main; sys.argv[0] = 'guanjia'; main()",
        "run",
        "--api-base",
        api_base,
        "--framework",
        framework,
        env=env,
        cwd=str(ROOT),
        stdout=output,
        stderr=output,
    )


async def kill(process: asyncio.subprocess.Process, how: int = signal.SIGKILL) -> None:
    if process.returncode is None:
        process.send_signal(how)
    await process.wait()


def copies(users: Sequence[SimUser]) -> list[int]:
    """How many bot messages each user has got."""
    return [sum(1 for m in user.transcript() if m.from_bot) for user in users]


@dataclass
class BroadcastScene:
    emulator: Emulator
    runtime: Runtime
    users: list[SimUser]
    notice_id: int
    written: int
    env: dict[str, str]  # for `guanjia run` processes: start_bot_process(…, scene.env, …)


@contextlib.asynccontextmanager
async def broadcast_scene(
    database_url: str, recipients: int, lease_seconds: float = 30.0
) -> AsyncIterator[BroadcastScene]:
    """An emulator with Telegram's limits on, the sample estate with `recipients` residents in
    an empty database, and one notice to all of them written to the outbox: what the broadcast
    crash harness and test need before the first bot process starts."""
    emulator = Emulator()  # Telegram's limits on: 30 a second per bot, about 1 per chat
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    key = new_key()
    runtime = build_runtime(Settings(database_url=database_url, _env_file=None), key=key)  # type: ignore[call-arg]
    try:
        await prepare_database(runtime)
        async with runtime.uow_factory() as uow:
            users = await seed_residents(uow, emulator, recipients)
            await uow.commit()
        notice_id, written = await notice_to_estate(
            runtime.uow_factory, "本周六上午在会所举办亲子活动。"
        )
        env = bot_environment(
            database_url, key, TOKEN, BOT_USERNAME, OUTBOX_LEASE_SECONDS=str(lease_seconds)
        )
        yield BroadcastScene(emulator, runtime, users, notice_id, written, env)
    finally:
        await runtime.close()
        await emulator.stop()
