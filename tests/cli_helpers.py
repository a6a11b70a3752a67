"""The command line's tests: a fresh SQLite file with the schema, the environment pointing at it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.crypto import new_key
from core.db import create_engine
from core.models import Base

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"


def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """An empty database and a data key, set in the environment as `guanjia` reads them; the
    working directory is `tmp_path`. Returns (database URL, key)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'guanjia.db'}"

    async def schema() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    asyncio.run(schema())
    key = new_key()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_KEY", key)
    return url, key
