"""Builds the long-lived objects once at start and hands them down (no import-time singletons)."""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime.settings import Settings
from core.clock import Clock
from core.crypto import Cipher, new_key
from core.db import create_engine, keep_private, session_factory
from core.services import keycheck
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

KEY_FILE_NAME = ".guanjia-key"


def key_file(database_url: str) -> Path:
    """Where the key file lives without DATA_KEY: beside a SQLite database's file, wherever the
    command runs from; for another database, in the current directory."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / KEY_FILE_NAME
    return Path(KEY_FILE_NAME).resolve()


def data_key(settings: Settings) -> str:
    """DATA_KEY from the settings; on a machine without one, a key file made on first use beside
    the database, readable by its owner only from its first byte."""
    if settings.data_key is not None:
        return settings.data_key.get_secret_value()
    path = key_file(settings.database_url)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        keep_private(path)
        return path.read_text().strip()
    log.warning("DATA_KEY is not set: created %s; set DATA_KEY in production", path)
    key = new_key()
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory

    async def verify_key(self) -> None:
        """Raises core.services.keycheck.WrongDataKey when the data key does not open this
        database's personal data (the check is left at first use)."""
        async with self.uow_factory() as uow:
            await keycheck.verify(uow)

    async def close(self) -> None:
        await self.engine.dispose()


def build_runtime(
    settings: Settings, clock: Clock | None = None, key: str | None = None
) -> Runtime:
    engine = create_engine(settings.database_url)
    cipher = Cipher(key or data_key(settings))
    return Runtime(
        settings, engine, UnitOfWorkFactory(session_factory(engine), clock or Clock(), cipher)
    )


def freeze_startup_heap() -> None:
    """Takes what start-up built out of the garbage collector's sight, once everything is imported.

    Some 300,000 objects (aiogram's and python-telegram-bot's pydantic models above all, then
    SQLAlchemy's mappings, Babel's and the holiday calendars' data) live as long as the process,
    yet every full collection walked them all again: 200 ms with every chat waiting, the worst
    latencies in bench/RESULTS.md. Frozen, a full collection walks only what came after.
    """
    gc.collect()
    gc.freeze()
