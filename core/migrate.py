"""Schema migrations (Alembic) driven from Python, safe to call inside a running event loop.

Every function opens its own engine on ``url`` (core.db.create_engine), runs Alembic on a sync
connection through ``AsyncConnection.run_sync`` (the connection reaches migrations/env.py in
``config.attributes["connection"]``) and disposes of the engine before returning.

A PostgreSQL URL may carry ``?schema=NAME``: the connections then get ``search_path=NAME``
(tests isolate themselves that way, see tests/dbutil.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import core
from core.db import create_engine, is_sqlite

T = TypeVar("T")

PROJECT_ROOT = Path(core.__file__).resolve().parent.parent
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

SCHEMA_PARAM = "schema"
# PostgreSQL advisory lock held while migrating: replicas starting together migrate one by one.
PG_LOCK_KEY = 0x6775616E6A6961  # "guanjia"


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic Config of the project, found next to the package, not in the current dir.

    With ``connection``, env.py migrates on it; Python logging is never reconfigured.
    """
    cfg = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def heads() -> tuple[str, ...]:
    """The head revision(s) of the migration scripts (one, unless branches were made)."""
    return tuple(script_directory().get_heads())


def engine_for(url: str) -> AsyncEngine:
    """core.db.create_engine, plus ``?schema=NAME`` on PostgreSQL turned into a search_path."""
    parsed = make_url(url)
    schema = parsed.query.get(SCHEMA_PARAM)
    if schema is None or is_sqlite(url):
        return create_engine(url)
    if not isinstance(schema, str):
        raise ValueError(f"one {SCHEMA_PARAM}= expected in the database URL")
    plain = parsed.difference_update_query([SCHEMA_PARAM])
    return create_engine(
        plain.render_as_string(hide_password=False),
        connect_args={"server_settings": {"search_path": schema}},
    )


@asynccontextmanager
async def migration_connection(url: str) -> AsyncIterator[AsyncConnection]:
    """A connection fit for migrating, outside any transaction; the engine is disposed after.

    On SQLite foreign keys are switched off meanwhile (batch mode copies and drops tables, which
    fails or cascades with them on) and checked with PRAGMA foreign_key_check at the end.
    On PostgreSQL a session advisory lock (PG_LOCK_KEY) is held meanwhile.
    """
    engine = engine_for(url)
    sqlite = is_sqlite(url)
    try:
        async with engine.connect() as conn:
            if sqlite:
                # A no-op inside a transaction: commit the autobegun (empty) one at once.
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            else:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
            await conn.commit()
            yield conn
            await conn.commit()
            bad = []
            if sqlite:
                bad = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            else:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            await conn.commit()
            if bad:
                raise RuntimeError(f"foreign key violations after migrating: {bad[:10]}")
    finally:
        await engine.dispose()


async def run_alembic(url: str, fn: Callable[[Config], T]) -> T:
    """Run ``fn(config)`` (e.g. an ``alembic.command`` call) with a connection to ``url``."""
    async with migration_connection(url) as conn:

        def go(sync_conn: Connection) -> T:
            return fn(alembic_config(sync_conn))

        return await conn.run_sync(go)


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: the newest)."""
    await run_alembic(url, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(url: str, revision: str) -> None:
    """Downgrade to ``revision``: an id, ``-1`` for one step, ``base`` for an empty database."""
    await run_alembic(url, lambda cfg: command.downgrade(cfg, revision))


async def current(url: str) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    async with migration_connection(url) as conn:

        def go(sync_conn: Connection) -> str | None:
            return MigrationContext.configure(sync_conn).get_current_revision()

        return await conn.run_sync(go)


async def is_up_to_date(url: str) -> bool:
    """True when the database is at the head revision (start-up check for the bot)."""
    return (await current(url),) == heads()


async def check_models_match(url: str, *, upgrade_first: bool = True) -> list[Any]:
    """The autogenerate diff between the database and core.models; empty means in sync.

    Upgrades the database to head first unless ``upgrade_first=False``. Each item is what
    ``alembic.autogenerate.compare_metadata`` returns, e.g. ``("add_column", None, "orders",
    Column(...))``; print them to see what a new revision has to do.
    """
    from core.models import Base  # here, so that importing core.migrate stays cheap

    if upgrade_first:
        await upgrade(url)
    async with migration_connection(url) as conn:

        def go(sync_conn: Connection) -> list[Any]:
            ctx = MigrationContext.configure(
                sync_conn, opts={"compare_type": True, "target_metadata": Base.metadata}
            )
            return list(compare_metadata(ctx, Base.metadata))

        return await conn.run_sync(go)
