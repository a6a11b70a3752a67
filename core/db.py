"""Engine and session factory for SQLite (aiosqlite, the embedded default) and PostgreSQL.

No pre-ping on checkout: it cost a round trip per unit of work, a third of an update's. A
connection that died meanwhile (the server restarted, a proxy dropped it) fails on first use
instead; SQLAlchemy then invalidates the pool, and callers that must not lose work retry once
(`is_disconnect`). Connections are recycled after half an hour so that idle timeouts in between
rarely get the chance.

The PostgreSQL pool keeps up to 20 connections, none beyond (the same 20 at most as SQLAlchemy's
default 10 plus 10 "overflow"): an overflow connection is closed as soon as it is returned while
ten others are idle, so under a burst of updates the bot opened and closed a connection every
dozen updates, and each new one costs about 3 ms of CPU to open and then prepares every
statement again (bench/RESULTS.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


SCHEMA_PARAM = "schema"
RECYCLE_SECONDS = 1800


def json_dumps(value: Any) -> str:
    # orjson: several times faster than the standard library on the dialog and outbox payloads
    # every update writes, and it writes Chinese as UTF-8 rather than \u escapes.
    return orjson.dumps(value).decode()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on PostgreSQL `?schema=NAME` in the URL becomes the search_path."""
    # A statement's error names its parameters: texts, names, phone numbers, kept out of logs.
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if is_sqlite(url):
        connect_args = {"timeout": 30, "factory": RollbackOnClose}
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        database = sqlite_file(url)

        @event.listens_for(engine.sync_engine, "do_connect")
        def _private_file(*_args: Any) -> None:
            if database is not None:
                create_private(database)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    parsed = make_url(url)
    schema = parsed.query.get(SCHEMA_PARAM)
    if schema is not None:
        if not isinstance(schema, str):
            raise ValueError(f"one {SCHEMA_PARAM}= expected in the database URL")
        url = parsed.difference_update_query([SCHEMA_PARAM]).render_as_string(hide_password=False)
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {})["search_path"] = schema
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 0)  # see above: kept, not opened and closed
    kwargs.setdefault("pool_recycle", RECYCLE_SECONDS)
    engine = create_async_engine(url, **kwargs)
    _add_autocommit_side(engine, url, kwargs)
    return engine


class RollbackOnClose(sqlite3.Connection):
    """A SQLite connection that ends its transaction before it closes.

    A task cancelled while its statement runs (a shutdown, a timeout) leaves that statement
    active in its cursor, and SQLAlchemy closes the connection it no longer trusts. SQLite then
    keeps the connection alive as a "zombie", with its transaction and the database's write
    lock, until the cursor is garbage-collected: every other writer in the process waited the
    30-second busy timeout out and failed (the sender recording its last deliveries at SIGTERM
    among them). A rollback first aborts the active statement and frees the lock."""

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.in_transaction:
                self.rollback()
        super().close()


# A few PostgreSQL connections beside an engine's pool, in autocommit: a statement there commits
# at once and holds its row locks for itself alone, not until the unit of work that asked for it
# commits. Its own pool, so that a unit of work holding a connection of the main pool never
# waits for another connection of that pool (enough of them would wait for each other forever).
_SIDE_POOL = {"pool_size": 2, "max_overflow": 2, "isolation_level": "AUTOCOMMIT"}
_AUTOCOMMIT_SIDES: WeakKeyDictionary[Engine, AsyncEngine] = WeakKeyDictionary()


def _add_autocommit_side(engine: AsyncEngine, url: str, kwargs: dict[str, Any]) -> None:
    pool = _SIDE_POOL if "poolclass" not in kwargs else {"isolation_level": "AUTOCOMMIT"}
    side = create_async_engine(url, **{**kwargs, **pool})
    _AUTOCOMMIT_SIDES[engine.sync_engine] = side

    @event.listens_for(engine.sync_engine, "engine_disposed")
    def _dispose_side(_engine: Engine) -> None:
        # Called inside AsyncEngine.dispose()'s greenlet: the side's connections close there.
        side.sync_engine.dispose()


def autocommit_side(engine: AsyncEngine | None) -> AsyncEngine | None:
    """The engine's autocommit companion (PostgreSQL engines made by `create_engine`), None
    where there is none: on SQLite, whose single writer would wait for the unit of work."""
    if engine is None:
        return None
    return _AUTOCOMMIT_SIDES.get(engine.sync_engine)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or a `file:` URI."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


PRIVATE = 0o600


def create_private(database: Path) -> None:
    """The database file, made before SQLite opens it, readable by its owner only: it holds
    personal data (sealed, but it is the company's all the same). SQLite gives the -wal and
    -shm files it makes beside it the database file's mode, so they are private too. Files
    from before are made private here."""
    try:
        os.close(os.open(database, os.O_RDWR | os.O_CREAT, PRIVATE))
    except OSError:
        return  # no such folder, no right to it: SQLite says so in its own words
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        keep_private(path)


def keep_private(path: Path) -> None:
    """Takes away what group and others may do with a file of ours (if there is one)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
            log.warning("%s was readable by others (%o); now by its owner only", path, mode)
    except OSError:
        pass  # not there, or not ours to change


def is_disconnect(exc: BaseException) -> bool:
    """The database connection was lost under this statement: nothing of the transaction was
    committed, the pool has let the connection go, and the work may simply be done again."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class UnitSession(Session):
    """A session that holds every row it has loaded or added until it closes.

    SQLAlchemy's identity map keeps rows only weakly: once a service let go of the estate or the
    order it read, the next service's `session.get` read it again. A unit of work lives for one
    update or one job, so holding its rows costs little and saves those statements (the
    strong-reference recipe of SQLAlchemy's "Session Referencing Behavior").
    """


@event.listens_for(UnitSession, "pending_to_persistent")
@event.listens_for(UnitSession, "deleted_to_persistent")
@event.listens_for(UnitSession, "detached_to_persistent")
@event.listens_for(UnitSession, "loaded_as_persistent")
def _hold(session: Session, instance: object) -> None:
    session.info.setdefault(_HELD, set()).add(instance)


@event.listens_for(UnitSession, "persistent_to_detached")
@event.listens_for(UnitSession, "persistent_to_deleted")
@event.listens_for(UnitSession, "persistent_to_transient")
def _let_go(session: Session, instance: object) -> None:
    session.info.get(_HELD, set()).discard(instance)


_HELD = "held_rows"


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=UnitSession)
