"""A statement cut short by a cancellation on SQLite (a shutdown, a timeout) must not leave the
database's write lock behind: SQLAlchemy closes the connection it no longer trusts, and SQLite
kept such a connection's transaction open until its cursor was garbage-collected."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.db import create_engine


async def test_a_cancelled_write_leaves_the_write_lock_free(tmp_path: Path) -> None:
    database = tmp_path / "cancelled.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
        sessions = async_sessionmaker(engine)
        # Another writer holds the lock, so that the statement below is still running
        # (waiting for it) when its task is cancelled; it then takes the lock and returns its
        # first row to nobody.
        holder = sqlite3.connect(database)
        holder.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with sessions() as session:
                await session.execute(text("INSERT INTO t VALUES (1), (2), (3) RETURNING x"))
                await session.commit()

        inserting = asyncio.Event()

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _started(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
            if statement.startswith("INSERT"):
                inserting.set()

        writing = asyncio.create_task(write())
        await inserting.wait()
        await asyncio.sleep(0.2)  # the statement is queued to its thread and waits there
        writing.cancel()
        await asyncio.sleep(0.05)
        holder.rollback()
        holder.close()
        assert isinstance(
            (await asyncio.gather(writing, return_exceptions=True))[0], asyncio.CancelledError
        )

        other = sqlite3.connect(database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if it is held
            other.execute("INSERT INTO t VALUES (4)")
            other.commit()
            assert other.execute("SELECT x FROM t").fetchall() == [(4,)]  # the cut one undone
        finally:
            other.close()
    finally:
        await engine.dispose()
