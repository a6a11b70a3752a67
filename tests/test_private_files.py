"""The files that hold personal data are their owner's only, from their first byte: the SQLite
database with its -wal and -shm, and the key file made when DATA_KEY is not set."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.runtime.resources import data_key
from bot.runtime.settings import Settings
from core.db import create_engine
from core.models import Base


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_in(folder: Path) -> dict[str, int]:
    return {path.name: mode(path) for path in folder.iterdir()}


async def test_the_sqlite_files_are_the_owners_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'guanjia.db'}"
    with umask(0o022):
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with engine.connect() as connection:  # WAL and shared memory, open
                await connection.exec_driver_sql("SELECT count(*) FROM outbox")
                modes = modes_in(tmp_path)
        finally:
            await engine.dispose()
    assert modes == {"guanjia.db": 0o600, "guanjia.db-wal": 0o600, "guanjia.db-shm": 0o600}


async def test_files_made_before_are_made_private(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    for path in (database, Path(f"{database}-wal")):
        path.touch()
        path.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
    assert mode(database) == 0o600


def test_the_key_file_is_private_from_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def no_chmod(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the key was written to a file others could read, then hidden")

    monkeypatch.setattr(os, "chmod", no_chmod)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with umask(0o022):
        key = data_key(settings)
    key_file = tmp_path / ".guanjia-key"
    assert mode(key_file) == 0o600
    assert key_file.read_text().strip() == key
    assert data_key(settings) == key  # read back, not made anew
